/** Message texts as TWS words them, so logs and client-side matching look like the real thing. */
export const STATUS_TEXT: Record<number, string> = {
  100: 'Max rate of messages per second has been exceeded:max=50',
  101: 'Max number of tickers has been reached',
  200: 'No security definition has been found for the request',
  300: "Can't find EId with tickerId:",
  321: "Error validating request.-'bW' : cause - Snapshot market data subscription is not applicable to generic ticks",
  322: "Error processing request.-'bX' : cause - Duplicate ticker id",
  326: 'Unable to connect as the client id is already in use. Retry with a unique client id.',
  354: 'Requested market data is not subscribed.',
  1100: 'Connectivity between IB and Trader Workstation has been lost.',
  1101: 'Connectivity between IB and Trader Workstation has been restored - data lost.',
  1102: 'Connectivity between IB and Trader Workstation has been restored - data maintained.',
  2103: 'Market data farm connection is broken:usfarm',
  2104: 'Market data farm connection is OK:usfarm',
  2105: 'HMDS data farm connection is broken:ushmds',
  2106: 'HMDS data farm connection is OK:ushmds',
  2107: 'HMDS data farm connection is inactive but should be available upon demand.ushmds',
  2108: 'Market data farm connection is inactive but should be available upon demand.usfarm',
  2110: 'Connectivity between Trader Workstation and server is broken. It will be restored automatically.',
  2157: 'Sec-def data farm connection is broken:secdefnj',
  2158: 'Sec-def data farm connection is OK:secdefnj',
  10090: 'Part of requested market data is not subscribed. Subscription-independent ticks are still active.',
  10167: 'Requested market data is not subscribed. Displaying delayed market data.',
  10168: 'Requested market data is not subscribed. Delayed market data is not enabled.',
};

export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? `Simulated status ${code}`;
}

/** The id -1 messages a Gateway sends right after nextValidId when all farms are up. */
export const DEFAULT_GREETING_CODES = [2104, 2106, 2158];
