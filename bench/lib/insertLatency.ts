import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import type { Db } from '../../src/db/createDb';
import type { SnapshotRow } from '../../src/db/types';
import type { AggregatedGreeks } from '../../src/greeks/types';

/**
 * Inserts `samples` single-row snapshots one after another, as the workflow does (one row per cycle),
 * and returns each insert's latency in ms.
 */
export async function timeSingleInserts(
  db: Db,
  samples: number,
  rowFor: (i: number) => SnapshotRow,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const row = rowFor(i);
    const started = performance.now();
    await db.insertSnapshots([row]);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/**
 * N rows in one INSERT ... SELECT generate_series: 3 accounts interleaved, one cycle every 5 s from 2020-01-01
 * (before anything the samples insert), with the JSON columns of `template`.
 */
export async function fillSnapshots(client: Client, rows: number, template: AggregatedGreeks): Promise<void> {
  await client.query(
    `INSERT INTO portfolio_greeks (cycle_key, workflow_id, account, snapshot_at, mode, market_data_type,
       net_delta, net_gamma, net_vega, net_theta, dollar_delta, dollar_gamma, beta_weighted_delta, beta_benchmark,
       pnl_daily, pnl_unrealized, pnl_realized, position_count, option_count, covered_option_count, coverage,
       excluded, by_underlying, units, cycle_latency_ms)
     SELECT 'fill:' || i, 'fill', 'DUFILL' || (i % 3), to_timestamp($1 / 1000.0) + ((i / 3) * interval '5 seconds'),
       'SOCKET', 'live', random() * 1000, random(), random() * -500, random() * -50, random() * 1e5, random() * 1e3,
       NULL, NULL, random() * 100, NULL, 0, $6::int, $7::int, $7::int, 1, $2::jsonb, $3::jsonb, $4::jsonb, 40
     FROM generate_series(1, $5::bigint) AS i`,
    [
      Date.UTC(2020, 0, 1),
      JSON.stringify(template.excluded),
      JSON.stringify(template.byUnderlying),
      JSON.stringify(template.units),
      rows,
      template.positionCount,
      template.optionCount,
    ],
  );
}

/**
 * VACUUM ANALYZE, then CHECKPOINT: the bulk fill leaves gigabytes of dirty pages, and the samples should
 * measure a table that grew over months, not the write-back of the last minutes. Returns the seconds spent.
 */
export async function settleAfterFill(client: Client, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  await client.query('VACUUM ANALYZE portfolio_greeks');
  await client.query('CHECKPOINT').catch((err: Error) => log(`checkpoint skipped: ${err.message}`));
  return (performance.now() - started) / 1000;
}
