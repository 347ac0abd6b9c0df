import { documentedLimitOf, GATEWAY_GLOBAL_LIMIT } from './documentedLimits';
import { RequestWindow } from './requestWindow';

/** A fault applied to the next `count` requests whose path starts with `pathPrefix` (all paths when omitted). */
export interface CountedFault {
  count: number;
  pathPrefix?: string;
}

export type CorruptionKind = 'truncated' | 'invalid';

/** Nightly /iserver outage, in the market clock's time: e.g. 01:00 America/New_York for 5 minutes. */
export interface OutageWindow {
  /** "HH:MM" local time in timeZone. */
  start: string;
  durationMinutes: number;
  timeZone: string;
}

/** Takes one unit from the first matching counted fault. */
export function takeCounted(faults: CountedFault[], path: string): boolean {
  const index = faults.findIndex(
    (fault) => fault.count > 0 && (!fault.pathPrefix || path.startsWith(fault.pathPrefix)),
  );
  if (index < 0) return false;
  faults[index].count -= 1;
  if (faults[index].count <= 0) faults.splice(index, 1);
  return true;
}

/** True when t (epoch ms) falls in the window on any day. */
export function inOutageWindow(window: OutageWindow, t: number): boolean {
  const match = /^(\d{1,2}):(\d{2})$/.exec(window.start);
  if (!match) throw new Error(`outage window start must be HH:MM, got ${window.start}`);
  const startMinute = Number(match[1]) * 60 + Number(match[2]);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: window.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(t));
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value ?? 0);
  const minuteOfDay = part('hour') * 60 + part('minute') + part('second') / 60;
  const sinceStart = (minuteOfDay - startMinute + 1440) % 1440;
  return sinceStart < window.durationMinutes;
}

export interface RateLimitSettings {
  /** Enforce the documented limits with 429s. Default true. */
  enabled: boolean;
  /** After a 429, answer 429 to everything for this long (the real gateway: 10 minutes). 0 = off. */
  penaltyBoxMs: number;
  /** Retry-After header (seconds) on 429s; omitted when undefined, like the real gateway. */
  retryAfterSeconds?: number;
}

/** IBKR's documented limits (documentedLimits.ts), enforced exactly: a global window and one per listed endpoint. */
export class ServerRateLimits {
  private readonly global = new RequestWindow(GATEWAY_GLOBAL_LIMIT);
  private readonly endpoints = new Map<string, RequestWindow>();
  private penaltyUntil = 0;

  constructor(readonly settings: RateLimitSettings) {}

  /** Whether this request is over a limit (and so gets a 429). Counts it when it is not. */
  exceeds(path: string, now: number): boolean {
    if (!this.settings.enabled) return false;
    if (now < this.penaltyUntil) return true;
    const documented = documentedLimitOf(path);
    let endpoint = documented ? this.endpoints.get(documented.key) : undefined;
    if (documented && !endpoint) {
      endpoint = new RequestWindow(documented.limit);
      this.endpoints.set(documented.key, endpoint);
    }
    if (!this.global.fits(now) || (endpoint && !endpoint.fits(now))) {
      this.startPenalty(now);
      return true;
    }
    this.global.admit(now);
    endpoint?.admit(now);
    return false;
  }

  /** Ms of penalty box left (0 when not in it). */
  penaltyRemainingMs(now: number): number {
    return Math.max(0, this.penaltyUntil - now);
  }

  startPenalty(now: number): void {
    if (this.settings.penaltyBoxMs > 0) this.penaltyUntil = now + this.settings.penaltyBoxMs;
  }
}
