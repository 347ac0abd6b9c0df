import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { databaseFaultTarget } from '../lib/targets';

/**
 * Makes the first insert of a snapshot taken before `cutoff` fail with serialization_failure (SQLSTATE 40001, a
 * transient error): only a replayed row is that old, so exactly one replay attempt fails. A sequence counts the
 * attempts because it is not rolled back with the failing statement.
 */
function failFirstReplaySql(cutoff: Date): string {
  return `
    create sequence faults_replay_attempts;
    create function faults_fail_first_replay() returns trigger language plpgsql as $$
    begin
      if new.snapshot_at < '${cutoff.toISOString()}'::timestamptz and nextval('faults_replay_attempts') = 1 then
        raise exception 'injected replay failure' using errcode = '40001';
      end if;
      return new;
    end $$;
    create trigger faults_fail_first_replay before insert on portfolio_greeks
      for each row execute function faults_fail_first_replay();`;
}

/** Postgres refuses for a while; when it is back, the first replay of the buffer fails once. */
export const replayFailsOnce: Scenario = {
  id: 'replay-fails-once',
  title: 'a replay of the buffer that fails once (transient error), then succeeds',
  proves:
    'a failed replay loses no row and invents no gap: the buffered rows reach the table with the next attempt, and no slot that has a row is recorded as skipped',
  async run(ctx, report) {
    const stack = await FaultStack.start(ctx, { name: 'replay-fails', proxyDatabase: true });
    try {
      const worker = await stack.startWorker();
      const handle = await stack.startWorkflow(ctx.quick ? { intervalMs: 1000 } : {});
      const id = handle.workflowId;
      const { intervalMs } = stack.settingsOf(handle);
      await stack.waitForRows(id, 5, 'rows before the outage');
      const cutAt = await stack.cutDatabaseUntilBuffered(handle, 3);
      // Rows taken from now on may be live cycles after the outage; only the buffered ones are older.
      await stack.sql.query(failFirstReplaySql(new Date()));
      stack.proxy!.unblock();
      const back = Date.now();
      stack.markFault('Postgres refused, then one replay failed', cutAt, back);
      const replayed = await stack.replayedSince(handle, back, 'buffer replayed after the failed attempt');
      const attempts = await stack.sql.query<{ n: string }>(
        'select case when is_called then last_value else 0 end as n from faults_replay_attempts',
      );
      report.check(
        'one replay attempt was made to fail',
        Number(attempts.rows[0].n) >= 1,
        `${attempts.rows[0].n} old-row insert(s) seen`,
      );
      report.check(
        'buffer replayed after the failed attempt',
        replayed,
        `${Math.round((Date.now() - back) / 100) / 10} s after Postgres returned`,
      );
      await stack.waitForMoreRows(id, 3, 60_000 + 3 * intervalMs, 'cycles after the replay');
      report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
      await stack.finish(handle, report);
      report.target(databaseFaultTarget(report.figures()));
    } finally {
      await stack.close();
    }
  },
};
