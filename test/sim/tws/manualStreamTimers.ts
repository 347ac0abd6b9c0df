import type { StreamTimers } from '../../../src/sim/tws';

interface Repeating {
  callback: () => void;
  everyMs: number;
  dueAt: number;
}

/** Repeating timers that fire only when a test advances them, in due order: the stream steps slot by slot. */
export class ManualStreamTimers implements StreamTimers {
  private now = 0;
  private readonly timers = new Set<Repeating>();

  setInterval(callback: () => void, ms: number): unknown {
    const timer = { callback, everyMs: ms, dueAt: this.now + ms };
    this.timers.add(timer);
    return timer;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as Repeating);
  }

  /** Every interval, in ms, of the timers running now (the tick stream's and the PnL feed's). */
  intervals(): number[] {
    return [...this.timers].map((timer) => timer.everyMs);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next || next.dueAt > until) break;
      this.now = next.dueAt;
      next.dueAt += next.everyMs;
      next.callback();
    }
    this.now = until;
  }
}
