import type { FallbackBuffer, ReplayResult } from '../buffer';
import type { ReplayTarget } from '../buffer/replaySegment';

export interface BufferReplayerOptions {
  buffer: FallbackBuffer;
  store: ReplayTarget;
  /** Resolves when the database answers; replay is tried only then (a failed try would only seal another segment). */
  probe(): Promise<void>;
  /** How often to look at the buffer. */
  intervalMs: number;
  /** True while this worker holds the IB session: the workflow then learns its rows from its cycles. */
  holdsSession(): boolean;
  /** Tells the workflow this buffer's row count; a rejection is retried at the next look. */
  report?(rows: number): Promise<void>;
  /** After a replay that moved rows (e.g. to write a `replay_done` event). */
  onReplayed?(result: ReplayResult): Promise<void> | void;
  /** The count after every look, for the worker's own metrics. */
  onCount?(rows: number): void;
  log?(level: 'warn' | 'info', message: string): void;
}

export interface BufferReplayer {
  /** One look: replay when there are rows and the database answers, then count and report. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every worker replays its own fallback buffer, whether or not it holds the IB session: at start, and whenever it
 * has rows and the database answers. Replay is idempotent by key, so racing the session worker's replay activity (the
 * buffer serialises them) or a row that reached Postgres after all costs nothing. Workers without the session report
 * their count to the workflow, so rows left behind by a failover stay visible until they are back in Postgres.
 */
export function startBufferReplayer(options: BufferReplayerOptions): BufferReplayer {
  let reported: number | null = null;
  let lastReportProblem: string | null = null;
  let stopped = false;
  let running: Promise<number> | null = null;
  let failing = false;
  let timer: NodeJS.Timeout | null = null;

  async function look(): Promise<number> {
    let rows = (await options.buffer.stats()).rows;
    if (rows > 0) {
      try {
        await options.probe();
        const result = await options.buffer.replay(options.store);
        rows = result.remainingRows;
        if (failing) options.log?.('info', 'fallback buffer replay works again');
        failing = false;
        if (result.replayed + result.duplicates + result.quarantined > 0) await options.onReplayed?.(result);
      } catch (err) {
        if (!failing) options.log?.('warn', `fallback buffer replay waits for Postgres: ${(err as Error).message}`);
        failing = true;
      }
    }
    options.onCount?.(rows);
    // While it holds the session its rows travel with its cycles; once it loses it, it reports afresh.
    if (options.holdsSession()) reported = null;
    else if (options.report && reported !== rows) {
      try {
        await options.report(rows);
        reported = rows;
        lastReportProblem = null;
      } catch (err) {
        // Once per distinct problem (e.g. no workflow started yet): the next look tries again.
        const message = `buffered rows not reported to the workflow: ${(err as Error).message}`;
        if (message !== lastReportProblem) options.log?.('warn', message);
        lastReportProblem = message;
      }
    }
    return rows;
  }

  function tick(): Promise<number> {
    running ??= look().finally(() => {
      running = null;
    });
    return running;
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void tick()
        .catch((err: Error) => options.log?.('warn', `fallback buffer look failed: ${err.message}`))
        .finally(schedule);
    }, options.intervalMs);
  };
  void tick()
    .catch((err: Error) => options.log?.('warn', `fallback buffer look failed: ${err.message}`))
    .finally(schedule);

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
