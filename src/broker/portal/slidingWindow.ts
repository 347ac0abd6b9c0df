/** Counts the adapter's own requests in a sliding time window, to stay under a limit. */
export class SlidingWindow {
  private readonly times: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new Error(`invalid rate limit ${limit} per ${windowMs} ms`);
  }

  /** Ms to wait before one more event fits (0 when it fits now). */
  waitMs(now: number): number {
    this.expire(now);
    if (this.times.length < this.limit) return 0;
    return this.times[0] + this.windowMs - now;
  }

  /** Records an event if it fits; returns whether it did. */
  tryTake(now: number): boolean {
    if (this.waitMs(now) > 0) return false;
    this.times.push(now);
    return true;
  }

  take(now: number): void {
    this.times.push(now);
  }

  private expire(now: number): void {
    while (this.times.length > 0 && this.times[0] <= now - this.windowMs) this.times.shift();
  }
}
