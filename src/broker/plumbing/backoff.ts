/**
 * Exponential backoff between attempts: the first `steadyAttempts` waits are the initial delay, each further one
 * doubles, capped at the maximum. A gateway that keeps refusing is asked less and less often; one that is back after
 * a short restart is found within one initial delay; one success starts again from the minimum.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly steadyAttempts = 0,
  ) {
    if (maxMs < initialMs) throw new Error(`backoff maximum ${maxMs} ms is below its initial delay ${initialMs} ms`);
    if (!Number.isInteger(steadyAttempts) || steadyAttempts < 0) {
      throw new Error(`backoff steady attempts must be a whole number >= 0, got ${steadyAttempts}`);
    }
  }

  /** The delay before the next attempt; every call counts one more failed attempt. */
  next(): number {
    const delay = this.peek();
    this.failures++;
    return delay;
  }

  /** The delay next() would return, without counting an attempt. */
  peek(): number {
    // The exponent is capped so 2 ** n stays finite however long the gateway stays away.
    const doublings = Math.max(0, this.failures - this.steadyAttempts);
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(doublings, 30));
  }

  /** Failed attempts since the last reset. */
  attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
