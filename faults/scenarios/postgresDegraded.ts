import { sleep } from '../../harness/poll';
import type { FaultContext } from '../lib/environment';
import type { ProxyMode } from '../../harness/tcpProxy';
import { FaultStack } from '../lib/faultStack';
import type { ScenarioReport } from '../lib/report';
import type { Scenario } from '../lib/scenario';
import { databaseFaultTarget } from '../lib/targets';

interface DatabaseFault {
  label: string;
  mode: ProxyMode;
  durationMs: number;
}

/**
 * One worker, Postgres behind the fault proxy; each fault in turn, then Postgres answers normally again and the
 * buffer must be replayed before the next one. The figures then say whether any slot was skipped.
 */
async function underDatabaseFaults(
  ctx: FaultContext,
  report: ScenarioReport,
  name: string,
  faults: DatabaseFault[],
): Promise<void> {
  const stack = await FaultStack.start(ctx, { name, proxyDatabase: true });
  try {
    const worker = await stack.startWorker();
    // Quick: one cycle a second (the fast test grid would overrun on timeouts sized for 5 s). Full: production.
    const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000 } : {});
    const id = handle.workflowId;
    const { intervalMs } = stack.settingsOf(handle);
    await stack.waitForRows(id, 5, 'rows before the fault');
    for (const fault of faults) {
      stack.proxy!.setMode(fault.mode);
      const start = Date.now();
      ctx.log(`  ${fault.label} for ${fault.durationMs / 1000} s`);
      await sleep(fault.durationMs);
      const during = await stack.status(handle);
      stack.proxy!.setMode({ kind: 'pass' });
      const end = Date.now();
      stack.markFault(fault.label, start, end);
      const replayed = await stack.replayedSince(handle, end, `${fault.label}: buffer replayed and a cycle written`);
      report.check(
        `${fault.label}: buffer replayed and cycles written afterwards`,
        replayed,
        `${during.bufferedRows} row(s) buffered at the end of the fault (state ${during.state}); ` +
          `${Math.round((Date.now() - end) / 100) / 10} s after it`,
      );
      // A few clean cycles between faults, so each fault's recovery is its own.
      await stack.waitForMoreRows(id, 3, 60_000 + 3 * intervalMs, `${fault.label}: cycles after the replay`);
    }
    report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
    await stack.finish(handle, report);
    report.target(databaseFaultTarget(report.figures()));
  } finally {
    await stack.close();
  }
}

/** Postgres accepts connections and answers nothing (a partition, a stuck server), then recovers. */
export const postgresHung: Scenario = {
  id: 'postgres-hung',
  title: 'Postgres hung: the proxy stops forwarding without closing, 60 s then 5 min (15 s quick)',
  proves:
    'while the database answers nothing, every slot still gets its snapshot (in the JSONL buffer if Postgres does not answer in time) and every buffered row is in the table once Postgres answers again',
  async run(ctx, report) {
    const durations = ctx.quick ? [15_000] : [60_000, 300_000];
    await underDatabaseFaults(
      ctx,
      report,
      'pg-hung',
      durations.map((durationMs) => ({
        label: `Postgres hung ${durationMs / 1000} s`,
        mode: { kind: 'hang' },
        durationMs,
      })),
    );
  },
};

/** Every statement (and connection start-up) reaches Postgres 2 s late. */
export const postgresSlow: Scenario = {
  id: 'postgres-slow',
  title: 'Postgres slow: every statement delayed 2 s for 2 min (20 s quick)',
  proves:
    'a database that answers, but 2 s late, costs no slot: cycles write in time or buffer and replay, and every row is in the table at the end',
  async run(ctx, report) {
    const durationMs = ctx.quick ? 20_000 : 120_000;
    await underDatabaseFaults(ctx, report, 'pg-slow', [
      { label: 'Postgres 2 s slow', mode: { kind: 'delay', ms: 2000 }, durationMs },
    ]);
  },
};
