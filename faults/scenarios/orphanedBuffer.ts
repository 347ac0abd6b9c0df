import { existsSync } from 'node:fs';
import { createFallbackBuffer } from '../../src/buffer';
import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';

/** Rows waiting in one worker's buffer directory. */
async function bufferedIn(dir: string): Promise<number> {
  return existsSync(dir) ? (await createFallbackBuffer({ dir }).stats()).rows : 0;
}

/**
 * The session holder is SIGKILLed while its buffer holds rows (Postgres refused), and is not restarted. Each
 * worker has its own FALLBACK_DIR, as each replica has its own disk: the scenario records whether the surviving
 * worker brought those rows in, then starts a worker on the killed worker's directory (its disk coming back with
 * any worker) and requires the rows to come back.
 */
export const orphanedBuffer: Scenario = {
  id: 'orphaned-buffer',
  title: 'session holder killed with rows in its buffer and never restarted; its disk later used by a new worker',
  proves:
    "rows a worker buffered are not lost when that worker dies for good: they reach the table once a worker runs on that worker's buffer directory, whether or not it holds the IB session",
  async run(ctx, report) {
    const stack = await FaultStack.start(ctx, { name: 'orphaned-buffer', proxyDatabase: true });
    try {
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000, sessionScheduleToStartMs: 3000 } : {});
      const id = handle.workflowId;
      const { intervalMs } = stack.settingsOf(handle);
      await stack.waitForRows(id, 5, 'first rows');

      const cutAt = await stack.cutDatabaseUntilBuffered(handle, 3, 'rows buffered by the session holder');
      const holder = await stack.holder(handle);
      if (!holder) throw new Error('no session holder to kill');
      const orphanDir = holder.env.FALLBACK_DIR;
      const killedAt = Date.now();
      await holder.killHard();
      const orphaned = await bufferedIn(orphanDir);
      ctx.log(`  holder ${holder.pid} killed with ${orphaned} buffered row(s); not restarted`);
      report.check('the killed worker left rows in its buffer', orphaned > 0, `${orphaned} row(s)`);
      stack.markFault('kill of the holder with buffered rows', killedAt);
      await sleep(2 * intervalMs);
      stack.proxy!.unblock();
      stack.markFault('Postgres refused', cutAt, Date.now());

      await stack.waitForMoreRows(id, 3, 120_000, 'rows from the surviving worker');
      // The surviving worker has its own directory; whether it brings in the dead worker's rows is recorded.
      const waitMs = ctx.quick ? 15_000 : 60_000;
      const byOther = await eventually(
        () => bufferedIn(orphanDir),
        (n) => n === 0,
        waitMs,
        "the killed worker's rows replayed by the surviving worker",
      ).then(
        () => true,
        () => false,
      );
      report.target({
        target: "the surviving worker replays the killed worker's rows",
        met: byOther,
        detail: byOther
          ? 'replayed'
          : `${await bufferedIn(orphanDir)} row(s) still in the killed worker's directory after ${waitMs / 1000} s ` +
            '(each worker has its own FALLBACK_DIR)',
        intervalMs,
      });

      // The killed worker's disk comes back with a new worker (a standby: the session stays where it is).
      const heir = await stack.startWorker({ FALLBACK_DIR: orphanDir });
      const startedAt = Date.now();
      const back = await eventually(
        () => bufferedIn(orphanDir),
        (n) => n === 0,
        60_000 + 5 * intervalMs,
        "the killed worker's rows replayed by a worker on its directory",
      ).then(
        () => true,
        () => false,
      );
      report.check(
        "the killed worker's rows in the table once a worker runs on its directory",
        back,
        `${await bufferedIn(orphanDir)} row(s) left ${Math.round((Date.now() - startedAt) / 100) / 10} s after worker ` +
          `${heir.pid} started`,
      );
      await stack.finish(handle, report);
    } finally {
      await stack.close();
    }
  },
};
