/**
 * IBKR invalidates the gateway's security tokens every Sunday at 01:00 New York time; after that only a human
 * 2FA login brings the gateway back. An outage that began then is almost certainly waiting for that login, so the
 * alert says so. Pure (Intl with an explicit zone, no local-time getters): runs in the workflow sandbox.
 */
const TOKEN_EXPIRY_ZONE = 'America/New_York';
const TOKEN_EXPIRY_HOUR = 1;

const weekdayAndHour = new Intl.DateTimeFormat('en-US', {
  timeZone: TOKEN_EXPIRY_ZONE,
  weekday: 'short',
  hour: 'numeric',
  hourCycle: 'h23',
});

/** True when `at` falls on a Sunday in New York at or after the weekly token expiry. */
export function isAfterWeeklyTokenExpiry(at: number): boolean {
  const parts = weekdayAndHour.formatToParts(new Date(at));
  const weekday = parts.find((part) => part.type === 'weekday')?.value;
  const hour = Number(parts.find((part) => part.type === 'hour')?.value);
  return weekday === 'Sun' && hour >= TOKEN_EXPIRY_HOUR;
}
