/** The timer functions a ReadyGate needs; injected so its timeouts can be tested without waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/**
 * The callers of waitUntilReady(): each waits until the adapter opens the gate, its own timeout passes (rejected
 * with the adapter's reason at that moment) or the adapter stops. The adapter answers at once when already ready.
 */
export class ReadyGate {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly timers: Timers = realTimers) {}

  /** Waits for open(); after timeoutMs rejects with timeoutError() (called then, so it can say why). */
  wait(timeoutMs: number, timeoutError: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: this.timers.setTimeout(() => {
          this.waiters.delete(waiter);
          reject(timeoutError());
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves every waiter. */
  open(): void {
    for (const waiter of this.settleAll()) waiter.resolve();
  }

  /** Rejects every waiter, e.g. when the adapter stops before it was ready. */
  fail(error: Error): void {
    for (const waiter of this.settleAll()) waiter.reject(error);
  }

  pending(): number {
    return this.waiters.size;
  }

  private settleAll(): Waiter[] {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) this.timers.clearTimeout(waiter.timer);
    return waiters;
  }
}
