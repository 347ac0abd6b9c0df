import type { CycleObserver } from '../../src/activities/ports';

export interface CycleSample {
  /** snapshot + aggregate + write, inside the activity (ms). */
  workMs: number;
  /** From the moment the loop (workflow or in-process) scheduled the cycle to the committed row (ms). */
  endToEndMs: number;
}

/**
 * The activities' own observer hook (the one the worker's metrics use), keeping every written cycle's
 * figures. `onCycle` runs after each one, e.g. to sample memory.
 */
export class CycleRecorder implements CycleObserver {
  readonly samples: CycleSample[] = [];
  readonly reconnects: number[] = [];
  onCycle: ((count: number) => void) | null = null;

  cycleCompleted(info: { latencyMs: number; endToEndMs: number; coverage: number | null; outcome: string }): void {
    if (info.outcome !== 'written') return;
    this.samples.push({ workMs: info.latencyMs, endToEndMs: info.endToEndMs });
    this.onCycle?.(this.samples.length);
  }

  bufferSize(): void {}

  reconnected(ms: number): void {
    this.reconnects.push(ms);
  }

  /** Samples after the first `warmup` ones (JIT, first connections, first workflow task). */
  measured(warmup: number): CycleSample[] {
    return this.samples.slice(warmup);
  }
}

/** Wall-clock epoch ms with sub-millisecond resolution, so single-digit work times are not rounded to whole ms. */
export const preciseClock = (): number => performance.timeOrigin + performance.now();
