import { eventually, sleep } from '../../harness/poll';
import { BRIDGE_CLIENT_ID, FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { sampleIbSessions } from '../lib/sessionSampler';
import { checkOneIbConnection, checkStillRunning } from '../lib/commonChecks';
import type { WorkerProcess } from '../lib/workerProcess';

/**
 * A deploy of a new worker build onto a running bridge, the way an orchestrator rolls it out: two workers run the
 * old build; a worker with the new build starts; the old ones are stopped gracefully (SIGTERM, one after the other,
 * the session holder among them); a second new worker starts. The workflow never ends, so every deploy meets it.
 */
export const rollingDeploy: Scenario = {
  id: 'rolling-deploy',
  title: 'rolling deploy: two old workers replaced one by one by new ones, stopped with SIGTERM',
  proves:
    'a rolling deploy costs no slot: a worker stopped gracefully hands the IB session to another before the next slot, with one IB connection at a time',
  async run(ctx, report) {
    const stack = await FaultStack.start(ctx, { name: 'rolling-deploy' });
    const sampler = sampleIbSessions(stack.simulator, BRIDGE_CLIENT_ID);
    try {
      const old = await Promise.all([stack.startWorker(), stack.startWorker()]);
      const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000 } : {});
      const id = handle.workflowId;
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= 4,
        90_000,
        'first rows',
      );
      const rounds = ctx.quick ? 1 : 3;
      let olds: WorkerProcess[] = old;
      const handovers: number[] = [];
      for (let round = 1; round <= rounds; round += 1) {
        const fresh = [await stack.startWorker()];
        // The holder last: the standby goes first, as often as not in a real rollout; the holder's stop is the test.
        const holder = await stack.holder(handle);
        const order = [...olds].sort((a, b) => Number(a === holder) - Number(b === holder));
        for (const worker of order) {
          const wasHolder = worker === (await stack.holder(handle));
          const stoppedAt = Date.now();
          if (wasHolder) stack.markFault(`SIGTERM of the session holder (round ${round})`, stoppedAt);
          await worker.stop(30_000);
          ctx.log(`  round ${round}: worker ${worker.pid} stopped with SIGTERM${wasHolder ? ' (session holder)' : ''}`);
          if (wasHolder) {
            const rows = await stack.rowCount(id);
            await eventually(
              () => stack.rowCount(id),
              (n) => n >= rows + 1,
              60_000,
              `a row after the holder's stop in round ${round}`,
            );
            handovers.push(Date.now() - stoppedAt);
          }
          // The orchestrator starts the replacement replica once the old one is gone.
          if (fresh.length < 2) fresh.push(await stack.startWorker());
        }
        olds = fresh;
        await sleep(3 * stack.settingsOf(handle).intervalMs);
      }
      const rowsNow = await stack.rowCount(id);
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= rowsNow + 3,
        60_000,
        'cycles after the rollout',
      );
      await checkStillRunning(report, handle, 'the rollout');
      report.check(
        'every stopped holder handed over',
        handovers.length === rounds,
        `${handovers.length} handovers, max ${Math.round(Math.max(0, ...handovers) / 100) / 10} s from SIGTERM to the next row`,
      );
      checkOneIbConnection(report, sampler);
      report.check(
        'every stopped worker exited 0',
        stack.workers.filter((w) => !w.alive()).every((w) => w.exitStatus()?.code === 0),
        stack.workers
          .filter((w) => !w.alive())
          .map((w) => JSON.stringify(w.exitStatus()))
          .join(', '),
      );
      await stack.finish(handle, report);
      const reasons = report.recordedReasons();
      report.target({
        target: 'a rolling deploy misses no slot',
        met: reasons.length === 0,
        detail: `${handovers.length} stop(s) of the lease holder; missing: ${reasons.join(', ') || 'none'}`,
        intervalMs: stack.settingsOf(handle).intervalMs,
      });
    } finally {
      sampler.stop();
      await stack.close();
    }
  },
};
