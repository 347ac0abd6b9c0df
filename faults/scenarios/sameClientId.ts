import { eventually, sleep } from '../../harness/poll';
import { BRIDGE_CLIENT_ID, FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { sampleIbSessions } from '../lib/sessionSampler';
import { checkOneIbConnection } from '../lib/commonChecks';

/** Two workers configured with the same IB client id, through freezes, outages and kills. */
export const sameClientId: Scenario = {
  id: 'same-client-id',
  title: 'two workers with the same client id: never two IB connections at once',
  proves:
    'the advisory lock keeps one IB connection per client id across workers even when the holder is frozen (SIGSTOP), loses Postgres, or is killed: the simulator never sees two sessions with the id at one instant',
  async run(ctx, report) {
    const rounds = ctx.quick ? 1 : 3;
    const stack = await FaultStack.start(ctx, { name: 'same-client-id', proxyDatabase: true });
    const sampler = sampleIbSessions(stack.simulator, BRIDGE_CLIENT_ID);
    try {
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const handle = await stack.startWorkflow({ sessionScheduleToStartMs: 3000 });
      const id = handle.workflowId;
      const progress = async (what: string) => {
        const rows = await stack.rowCount(id);
        await eventually(
          () => stack.rowCount(id),
          (n) => n >= rows + 4,
          120_000,
          what,
        );
      };
      await progress('first rows');
      for (let round = 1; round <= rounds; round += 1) {
        // Frozen, not dead: its socket and its lock stay open, so the other worker must not connect.
        const frozen = await stack.holder(handle);
        if (!frozen) throw new Error('no session holder to freeze');
        frozen.kill('SIGSTOP');
        ctx.log(`  round ${round}: holder ${frozen.pid} frozen`);
        await sleep(ctx.quick ? 10_000 : 30_000);
        frozen.kill('SIGCONT');
        await progress(`rows after the freeze (round ${round})`);

        // The holder's lock connection drops with Postgres; it must take the lock back, not share the id.
        stack.proxy!.block();
        await sleep(8000);
        stack.proxy!.unblock();
        await progress(`rows after the Postgres cut (round ${round})`);

        const victim = await stack.holder(handle);
        if (!victim) throw new Error('no session holder to kill');
        await victim.killHard();
        ctx.log(`  round ${round}: holder ${victim.pid} killed`);
        const restarted = stack.startWorker({ FALLBACK_DIR: victim.env.FALLBACK_DIR });
        await progress(`rows after the kill (round ${round})`);
        await restarted;
      }
      await progress('rows at the end');
      checkOneIbConnection(report, sampler);
      const refused = stack.simulator.counters().refused326 ?? 0;
      report.check('no connection attempt refused with 326 (client id in use)', refused === 0, refused);
      await stack.finish(handle, report);
    } finally {
      sampler.stop();
      await stack.close();
    }
  },
};
