import { eventually, sleep } from '../../harness/poll';
import { BRIDGE_CLIENT_ID, FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { holderKillTarget } from '../lib/targets';
import { sampleIbSessions } from '../lib/sessionSampler';
import { checkOneIbConnection, checkStillRunning } from '../lib/commonChecks';
import type { WorkerProcess } from '../lib/workerProcess';

const MAX_CYCLES_PER_RUN = 12;

/** SIGKILL a worker again and again with two worker processes on the task queue. */
export const workerKills: Scenario = {
  id: 'worker-kills',
  title: 'worker SIGKILLed 20 times (4 quick) at random points, two worker processes',
  proves:
    'a worker dying mid-cycle, mid-replay or at continue-as-new never stops the workflow or writes a row twice; the only missing slots are recorded gaps while no worker held the session',
  async run(ctx, report) {
    const kills = ctx.quick ? 4 : 20;
    const stack = await FaultStack.start(ctx, { name: 'worker-kills', proxyDatabase: true });
    const sampler = sampleIbSessions(stack.simulator, BRIDGE_CLIENT_ID);
    try {
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      // The full run keeps the production failover timeout (the targets are set for it); quick runs fail over fast.
      const handle = await stack.startWorkflow({
        maxCyclesPerRun: MAX_CYCLES_PER_RUN,
        ...(ctx.quick ? { sessionScheduleToStartMs: 3000 } : {}),
      });
      const id = handle.workflowId;
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= 4,
        90_000,
        'first rows',
      );
      const points: Record<string, number> = {};
      const failovers: number[] = [];
      for (let kill = 1; kill <= kills; kill += 1) {
        // Every third kill lands while the holder replays a buffer left by a short Postgres cut.
        const duringReplay = kill % 3 === 0;
        if (duringReplay) {
          stack.proxy!.block();
          await eventually(
            () => stack.status(handle),
            (s) => s.bufferedRows > 0,
            30_000,
            'rows buffered',
          );
          await sleep(1000 + ctx.random() * 1000);
          stack.proxy!.unblock();
        } else {
          await sleep(ctx.random() * 2500);
        }
        const status = await stack.status(handle);
        const holder = await stack.holder(handle);
        const live = stack.liveWorkers();
        // Mostly the session holder (a failover), sometimes the standby.
        const victim: WorkerProcess | undefined =
          holder && ctx.random() < 0.8 ? holder : live[Math.floor(ctx.random() * live.length)];
        if (!victim) throw new Error('no live worker to kill');
        const point =
          victim !== holder
            ? 'standby'
            : duringReplay
              ? 'replay'
              : status.cyclesThisRun >= MAX_CYCLES_PER_RUN - 2
                ? 'near continue-as-new'
                : 'cycle';
        points[point] = (points[point] ?? 0) + 1;
        const rowsAtKill = await stack.rowCount(id);
        const killedAt = Date.now();
        await victim.killHard();
        if (victim === holder) stack.markFault(`kill of the session holder (${point})`, killedAt);
        ctx.log(`  kill ${kill}/${kills}: worker ${victim.pid} (${point})`);
        // A supervisor restarts the process with the same configuration, so with the same buffer directory.
        const restarted = stack.startWorker({ FALLBACK_DIR: victim.env.FALLBACK_DIR });
        await eventually(
          () => stack.rowCount(id),
          (n) => n >= rowsAtKill + 3,
          120_000,
          `rows after kill ${kill}`,
        );
        failovers.push(Date.now() - killedAt);
        await restarted;
      }
      // Leave the holder running long enough to replay anything left, then count.
      const rowsNow = await stack.rowCount(id);
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= rowsNow + 6,
        60_000,
        'cycles after the last kill',
      );
      const status = await stack.status(handle);
      await checkStillRunning(report, handle, 'every kill');
      report.check(
        `${kills} workers killed`,
        Object.values(points).reduce((a, b) => a + b, 0) === kills,
        JSON.stringify(points),
      );
      report.check(
        'rows again after every kill',
        failovers.length === kills,
        `max ${Math.round(Math.max(...failovers) / 100) / 10} s from kill to 3 more rows`,
      );
      checkOneIbConnection(report, sampler);
      report.check('continued as new across kills', status.runs > 1, `${status.runs} runs`);
      await stack.finish(handle, report);
      const unexpected = report
        .recordedReasons()
        // The new holder connects afresh: its first slots pass while the gateway sends the position list.
        .filter((reason) => !['worker_unavailable', 'overrun', 'ib_unavailable', 'positions_loading'].includes(reason));
      report.check(
        'gaps only for a missing worker',
        unexpected.length === 0,
        JSON.stringify(report.figures().missingByReason),
      );
      report.target(holderKillTarget(report.figures()));
    } finally {
      sampler.stop();
      await stack.close();
    }
  },
};
