/**
 * Knows when this worker's cycles end, so that a stopping session holder can let go of the IB connection right after
 * one: the next slot is then a whole interval away, time enough for another worker to connect before it.
 */
export class CycleWatch {
  private waiters: Array<() => void> = [];

  /** Runs `cycle`; whoever waits for the next end is told when it settles, whether it wrote a row or failed. */
  async track<T>(cycle: () => Promise<T>): Promise<T> {
    try {
      return await cycle();
    } finally {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves true when the next cycle ends (the one running now, if any), false if none ends within `timeoutMs`. */
  nextEnd(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(wake);
    });
  }
}
