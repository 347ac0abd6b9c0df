import type { DocumentedLimit } from './documentedLimits';

/** The gateway's count of requests in the last windowMs: one more is refused once `limit` are inside it. */
export class RequestWindow {
  private readonly times: number[] = [];

  constructor(private readonly documented: DocumentedLimit) {}

  /** Counts the request and returns true when it fits in the window; returns false (not counted) when it does not. */
  admit(now: number): boolean {
    while (this.times.length > 0 && this.times[0] <= now - this.documented.windowMs) this.times.shift();
    if (this.times.length >= this.documented.limit) return false;
    this.times.push(now);
    return true;
  }

  /** Whether one more request would fit now, without counting it. */
  fits(now: number): boolean {
    while (this.times.length > 0 && this.times[0] <= now - this.documented.windowMs) this.times.shift();
    return this.times.length < this.documented.limit;
  }
}
