/**
 * Write-path benchmark: latency of one snapshot insert (the 5-second cycle's write) on an empty
 * table and with N rows already present, plus the query plans and sizes at that volume.
 *
 *   npx tsx bench/write-path.ts [--rows 5000000] [--samples 1000]
 *
 * Uses DATABASE_URL's server when set (a scratch database is created and dropped on it), otherwise
 * a private embedded PostgreSQL in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createDb, type Db } from '../src/db/createDb';
import { migrate } from '../src/db/migrate';
import { resolvePostgres } from '../src/infra/postgres';
import { makeSnapshot } from '../test/db/support/fixtures';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Inserts `samples` single-row snapshots one after another, as the workflow does, and times each. */
async function timeSingleInserts(db: Db, samples: number, firstCycle: number): Promise<string> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const row = makeSnapshot(firstCycle + i, { account: 'DUBENCH' });
    const started = performance.now();
    await db.insertSnapshots([row]);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((sum, x) => sum + x, 0) / latencies.length;
  return `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, mean ${mean.toFixed(2)} ms, max ${latencies[latencies.length - 1].toFixed(2)} ms (n=${samples})`;
}

/** N rows in one INSERT ... SELECT generate_series: 3 accounts interleaved, one cycle every 5 s, ending before the samples. */
async function fill(client: Client, rows: number): Promise<void> {
  const template = makeSnapshot(0).aggregated;
  const start = Date.UTC(2020, 0, 1);
  await client.query(
    `INSERT INTO portfolio_greeks (cycle_key, workflow_id, account, snapshot_at, mode, market_data_type,
       net_delta, net_gamma, net_vega, net_theta, dollar_delta, dollar_gamma, beta_weighted_delta, beta_benchmark,
       pnl_daily, pnl_unrealized, pnl_realized, position_count, option_count, covered_option_count, coverage,
       excluded, by_underlying, units, cycle_latency_ms)
     SELECT 'bench:' || i, 'bench', 'DUFILL' || (i % 3), to_timestamp($1 / 1000.0) + ((i / 3) * interval '5 seconds'),
       'SOCKET', 'live', random() * 1000, random(), random() * -500, random() * -50, random() * 1e5, random() * 1e3,
       NULL, NULL, random() * 100, NULL, 0, 3, 2, 1, 0.5, $2::jsonb, $3::jsonb, $4::jsonb, 40
     FROM generate_series(1, $5::bigint) AS i`,
    [
      start,
      JSON.stringify(template.excluded),
      JSON.stringify(template.byUnderlying),
      JSON.stringify(template.units),
      rows,
    ],
  );
}

async function explain(client: Client, sql: string, values: unknown[]): Promise<string> {
  const result = await client.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, values);
  return result.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
}

async function main(): Promise<void> {
  const rows = argument('rows', 5_000_000);
  const samples = argument('samples', 1000);
  const workDir = mkdtempSync(join(tmpdir(), 'bench-write-'));
  const server = await resolvePostgres({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: workDir,
    persistent: false,
  });
  const name = `bench_write_${Date.now()}`;
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  const db = createDb({ url: url.toString(), statementTimeoutMs: 10_000 });
  try {
    await migrate(url.toString());
    await client.connect();
    const version = (await client.query('SHOW server_version')).rows[0].server_version;
    console.log(
      `PostgreSQL ${version}${server.embedded ? ' (embedded)' : ''}, synchronous_commit on, one snapshot per INSERT`,
    );

    console.log(`empty table:        ${await timeSingleInserts(db, samples, 0)}`);

    let started = performance.now();
    await fill(client, rows);
    console.log(`filled ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    await client.query('VACUUM ANALYZE portfolio_greeks');
    console.log(`vacuum analyze in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The bulk fill leaves gigabytes of dirty pages; flush them so the samples measure a table that
    // grew over months, not the write-back of the last three minutes.
    await client.query('CHECKPOINT').catch((err: Error) => console.log(`checkpoint skipped: ${err.message}`));

    console.log(`with ${rows} rows: ${await timeSingleInserts(db, samples, 10_000_000)}`);

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
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
