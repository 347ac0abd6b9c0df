import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { databaseFaultTarget } from '../lib/targets';

/** Scenario: the first start of a worker happens while Postgres is unreachable, on a database with no schema. */
export const workerStartsDbDown: Scenario = {
  id: 'worker-starts-db-down',
  title: 'a worker started while Postgres is down, on an empty (unmigrated) database',
  proves:
    'a worker that starts while the database is unreachable is not ready until it can write, migrates the schema as soon as Postgres answers, and every snapshot taken in between reaches the table',
  async run(ctx, report) {
    const outageMs = ctx.quick ? 15_000 : 60_000;
    const stack = await FaultStack.start(ctx, { name: 'db-down-start', proxyDatabase: true, unmigrated: true });
    try {
      stack.proxy!.block();
      const downAt = Date.now();
      const worker = await stack.startWorker();
      const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000 } : {});
      const id = handle.workflowId;
      ctx.log(`  worker started with Postgres down; back in ${outageMs / 1000} s`);
      await sleep(Math.max(0, downAt + outageMs - Date.now()));
      const readyWhileDown = await worker.readyz();
      report.check('/readyz not 200 while Postgres is down', readyWhileDown !== 200, `status ${readyWhileDown}`);
      stack.proxy!.unblock();
      const back = Date.now();
      stack.markFault('Postgres down since the worker started', downAt, back);

      const tables = () =>
        stack.sql
          .query<{ n: number }>(
            "select count(*)::int as n from pg_tables where tablename in ('portfolio_greeks', 'api_logs')",
          )
          .then((result) => result.rows[0].n);
      const migrated = await eventually(tables, (n) => n === 2, 60_000, 'schema migrated').then(
        () => true,
        () => false,
      );
      report.check(
        'schema migrated by the worker once Postgres answered',
        migrated,
        `${Math.round((Date.now() - back) / 100) / 10} s after it`,
      );
      if (!migrated) {
        // Without the schema no insert can succeed: waiting for rows, readiness or a replay would only time out.
        report.check('rows written once Postgres answered', false, 'no schema');
        report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
        return;
      }
      const rows = await eventually(
        () => stack.rowCount(id),
        (n) => n >= 3,
        60_000,
        'rows after Postgres returned',
      ).then(
        (n) => n,
        () => 0,
      );
      report.check('rows written once Postgres answered', rows >= 3, `${rows} row(s)`);
      const ready = await eventually(
        () => worker.readyz(),
        (status) => status === 200,
        60_000,
        '/readyz 200',
      ).then(
        () => true,
        () => false,
      );
      report.check('/readyz 200 once the worker writes', ready);
      const replayed = await eventually(
        () => stack.status(handle),
        (s) => s.bufferedRows === 0,
        120_000,
        'buffer replayed',
      ).then(
        () => true,
        () => false,
      );
      report.check('rows of the outage replayed', replayed);
      report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
      await stack.finish(handle, report);
      report.target(databaseFaultTarget(report.figures()));
    } finally {
      await stack.close();
    }
  },
};
