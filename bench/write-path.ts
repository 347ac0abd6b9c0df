/**
 * Write-path benchmark: latency of one snapshot insert (the 5-second cycle's write) on an empty
 * table and with N rows already present, plus the query plans and sizes at that volume.
 *
 *   npx tsx bench/write-path.ts [--rows 5000000] [--samples 1000]
 *
 * Uses DATABASE_URL's server when set (a scratch database is created and dropped on it), otherwise
 * a private embedded PostgreSQL in a temporary directory.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createDb } from '../src/db/createDb';
import { makeSnapshot } from '../test/db/support/fixtures';
import { fillSnapshots, settleAfterFill, timeSingleInserts } from './lib/insertLatency';
import { createScratchDatabase } from '../harness/scratchDatabase';
import { startBenchPostgres } from './lib/postgres';
import { summarize } from './lib/stats';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

function describe(latencies: number[]): string {
  const s = summarize(latencies);
  return `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms, max ${s.max.toFixed(2)} ms (n=${s.n})`;
}

async function explain(client: Client, sql: string, values: unknown[]): Promise<string> {
  const result = await client.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, values);
  return result.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
}

async function main(): Promise<void> {
  const rows = argument('rows', 5_000_000);
  const samples = argument('samples', 1000);
  const server = await startBenchPostgres();
  const scratch = await createScratchDatabase(server.url, 'bench_write', { migrated: true });
  const client = new Client({ connectionString: scratch.url });
  const db = createDb({ url: scratch.url, statementTimeoutMs: 10_000 });
  const row = (first: number) => (i: number) => makeSnapshot(first + i, { account: 'DUBENCH' });
  try {
    await client.connect();
    console.log(
      `PostgreSQL ${server.version}${server.embedded ? ' (embedded)' : ''}, synchronous_commit on, one snapshot per INSERT`,
    );

    console.log(`empty table:        ${describe(await timeSingleInserts(db, samples, row(0)))}`);

    const started = performance.now();
    await fillSnapshots(client, rows, makeSnapshot(0).aggregated);
    console.log(`filled ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const settleSeconds = await settleAfterFill(client, console.log);
    console.log(`vacuum analyze + checkpoint in ${settleSeconds.toFixed(1)} s`);

    console.log(`with ${rows} rows: ${describe(await timeSingleInserts(db, samples, row(10_000_000)))}`);

    const sizes = await client.query(
      `SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)) AS total, pg_size_pretty(pg_relation_size(c.oid)) AS own
         FROM pg_class c WHERE c.relname LIKE 'portfolio_greeks%' ORDER BY c.relname`,
    );
    for (const r of sizes.rows) console.log(`size ${r.relname}: ${r.own} (with indexes/TOAST: ${r.total})`);
    const perRow = await client.query(
      'SELECT avg(pg_column_size(p.*))::int AS bytes FROM (SELECT * FROM portfolio_greeks LIMIT 1000) p',
    );
    console.log(`average row: ${perRow.rows[0].bytes} bytes`);

    const day = [new Date(Date.UTC(2020, 2, 1)), new Date(Date.UTC(2020, 2, 2))];
    console.log('plan, latest snapshot of one account:');
    console.log(
      await explain(client, 'SELECT * FROM portfolio_greeks WHERE account = $1 ORDER BY snapshot_at DESC LIMIT 1', [
        'DUFILL1',
      ]),
    );
    console.log('plan, one day of one account:');
    console.log(
      await explain(
        client,
        'SELECT snapshot_at, net_delta FROM portfolio_greeks WHERE account = $1 AND snapshot_at >= $2 AND snapshot_at < $3',
        ['DUFILL1', ...day],
      ),
    );
    console.log('plan, one day of all accounts:');
    console.log(
      await explain(
        client,
        'SELECT account, snapshot_at, net_delta FROM portfolio_greeks WHERE snapshot_at >= $1 AND snapshot_at < $2',
        day,
      ),
    );
    console.log('plan, retention batch (rows older than a cutoff):');
    console.log(await explain(client, 'SELECT id FROM portfolio_greeks WHERE snapshot_at < $1 LIMIT 10000', [day[0]]));
  } finally {
    await db.close();
    await client.end().catch(() => undefined);
    await scratch.drop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
