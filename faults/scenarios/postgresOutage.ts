import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { databaseFaultTarget } from '../lib/targets';

/** Postgres goes away mid-stream for a long while, then comes back. */
export const postgresOutage: Scenario = {
  id: 'postgres-outage',
  title: 'Postgres down mid-stream (minutes; ~20 s quick), then back',
  proves:
    'every snapshot taken while Postgres is unreachable lands in the JSONL buffer and is replayed exactly once when it returns: 0 lost, 0 duplicated, buffer empty',
  async run(ctx, report) {
    const outageMs = ctx.quick ? 20_000 : 180_000;
    const stack = await FaultStack.start(ctx, { name: 'pg-outage', proxyDatabase: true });
    try {
      const worker = await stack.startWorker();
      // Quick: one cycle a second, so a short outage covers many slots. Full: the production grid and retries.
      const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000 } : {});
      const id = handle.workflowId;
      await stack.waitForRows(id, 5, 'rows before the outage');

      stack.proxy!.block();
      const cutAt = Date.now();
      ctx.log(`  Postgres cut for ${outageMs / 1000} s`);
      await sleep(outageMs);
      const during = await stack.status(handle);
      report.check(
        'degraded and buffering at the end of the outage',
        during.state === 'degraded' && during.bufferedRows > 0,
        `state ${during.state}, ${during.bufferedRows} row(s) buffered`,
      );
      stack.proxy!.unblock();
      const back = Date.now();
      stack.markFault('postgres refused', cutAt, back);
      const after = await eventually(
        () => stack.status(handle),
        (s) => s.bufferedRows === 0 && s.state === 'ready',
        180_000,
        'buffer replayed and ready',
      );
      report.check(
        'replayed and ready after Postgres returned',
        true,
        `${Math.round((Date.now() - back) / 100) / 10} s`,
      );
      const rowsNow = await stack.rowCount(id);
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= rowsNow + 4,
        60_000,
        'cycles after the replay',
      );
      report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
      await stack.finish(handle, report);
      const replayed = await stack.sql.query(
        'select count(*)::int as n from portfolio_greeks where workflow_id = $1 and written_at >= $2 and snapshot_at < $2',
        [id, new Date(back)],
      );
      const fallback = report.apiLogCounts.fallback_engaged ?? 0;
      report.check(
        'every snapshot of the outage replayed, one fallback_engaged row each',
        replayed.rows[0].n > 0 && replayed.rows[0].n === fallback,
        `${replayed.rows[0].n} replayed, ${fallback} fallback_engaged, outage ${Math.round((back - cutAt) / 1000)} s`,
      );
      report.check('replay_done recorded', (report.apiLogCounts.replay_done ?? 0) > 0, after.cyclesTotal);
      // The first slots of a run may pass while the gateway still sends the position list: not a database fault.
      const skipped = report.recordedReasons().filter((reason) => reason !== 'positions_loading');
      report.check('no slot skipped for the database', skipped.length === 0, skipped.join(', ') || 'none');
      report.target(databaseFaultTarget(report.figures()));
    } finally {
      await stack.close();
    }
  },
};
