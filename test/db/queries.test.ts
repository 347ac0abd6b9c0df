import { Client } from 'pg';
import { applyRetention } from '../../src/db/retention';
import { makeApiLog, makeSnapshot } from './support/fixtures';
import { createMigratedDatabase, type MigratedDatabase } from './support/migratedDatabase';

/** The common read queries, as a user or Grafana would write them. */
export const LATEST_PER_ACCOUNT = 'select * from portfolio_greeks where account = $1 order by snapshot_at desc limit 1';
export const RANGE_PER_ACCOUNT =
  'select snapshot_at, net_delta from portfolio_greeks where account = $1 and snapshot_at >= $2 and snapshot_at < $3 order by snapshot_at';
export const RANGE_ALL_ACCOUNTS =
  'select account, snapshot_at, net_delta from portfolio_greeks where snapshot_at >= $1 and snapshot_at < $2';

describe('indexes and retention', () => {
  let m: MigratedDatabase;
  let client: Client;
  beforeAll(async () => {
    // 6,000 rows in a few statements: a busy machine may take longer than the 1 s a cycle's write gets; the plans
    // are the point here, not speed.
    m = await createMigratedDatabase('queries', { statementTimeoutMs: 30_000 });
    // Cycle by cycle, as the workflow writes them: the heap is in time order, which BRIN relies on.
    const accounts = ['DU0000001', 'DU0000002', 'DU0000003'];
    await m.db.insertSnapshots(
      Array.from({ length: 2000 }, (_, n) => accounts.map((account) => makeSnapshot(n, { account }))).flat(),
    );
    await m.db.query('analyze portfolio_greeks');
    client = new Client({ connectionString: m.database.url });
    await client.connect();
    // A table of a few thousand rows fits in a few pages, where a sequential scan is honestly the
    // cheapest plan; turning it off shows which index the planner picks when the table is large
    // (bench/write-path.ts prints the plans at 5 M rows without this push).
    await client.query('set enable_seqscan = off');
  });
  afterAll(async () => {
    await client?.end();
    await m?.dispose();
  });

  async function plan(sql: string, values: unknown[]): Promise<string> {
    const result = await client.query(`explain ${sql}`, values);
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('answers "latest snapshot of an account" from the (account, snapshot_at desc) index', async () => {
    expect(await plan(LATEST_PER_ACCOUNT, ['DU0000002'])).toMatch(
      /Index Scan using portfolio_greeks_account_snapshot_at_idx/,
    );
    const [latest] = await m.db.query(LATEST_PER_ACCOUNT, ['DU0000002']);
    expect(latest.snapshot_at.getTime()).toBe(makeSnapshot(1999).aggregated.takenAt);
  });

  it('answers "a time range of an account" from the same index', async () => {
    const from = new Date(makeSnapshot(100).aggregated.takenAt);
    const to = new Date(makeSnapshot(200).aggregated.takenAt);
    expect(await plan(RANGE_PER_ACCOUNT, ['DU0000001', from, to])).toMatch(
      /Index (Only )?Scan (Backward )?using portfolio_greeks_account_snapshot_at_idx|Bitmap Index Scan on portfolio_greeks_account_snapshot_at_idx/,
    );
    const rows = await m.db.query(RANGE_PER_ACCOUNT, ['DU0000001', from, to]);
    expect(rows).toHaveLength(100);
  });

  it('answers a time range across accounts from the BRIN index', async () => {
    const from = new Date(makeSnapshot(100).aggregated.takenAt);
    const to = new Date(makeSnapshot(200).aggregated.takenAt);
    const text = await plan(RANGE_ALL_ACCOUNTS, [from, to]);
    expect(text).toMatch(/Bitmap Index Scan on portfolio_greeks_snapshot_at_brin/);
    const rows = await m.db.query(RANGE_ALL_ACCOUNTS, [from, to]);
    expect(rows).toHaveLength(300);
  });

  it('keeps everything without a retention setting and deletes only older rows with one', async () => {
    const recent = { ...makeSnapshot(0, { account: 'DURETAIN' }), cycleKey: 'retain-recent' };
    recent.aggregated = { ...recent.aggregated, takenAt: Date.now() - 3600_000 };
    await m.db.insertSnapshots([recent]);
    await m.db.insertApiLogs([makeApiLog(1), makeApiLog(2, { key: 'recent-log', at: Date.now() })]);

    expect(await applyRetention(m.db, undefined)).toEqual({ snapshotsDeleted: 0, apiLogsDeleted: 0 });
    // The fixtures are dated January 2025: a 30-day retention removes all of them but the recent ones.
    expect(await applyRetention(m.db, 30)).toEqual({ snapshotsDeleted: 6000, apiLogsDeleted: 1 });
    const left = await m.db.query<{ cycle_key: string }>('select cycle_key from portfolio_greeks');
    expect(left.map((r) => r.cycle_key)).toEqual(['retain-recent']);
    const logs = await m.db.query<{ log_key: string }>('select log_key from api_logs');
    expect(logs.map((r) => r.log_key)).toEqual(['recent-log']);
    await expect(applyRetention(m.db, -1)).rejects.toThrow(/positive number/);
  });
});
