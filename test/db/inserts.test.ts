import { classifyDbError } from '../../src/db/classifyDbError';
import { createDb } from '../../src/db/createDb';
import { makeApiLog, makeSnapshot } from './support/fixtures';
import { createMigratedDatabase, type MigratedDatabase } from './support/migratedDatabase';

describe('createDb inserts', () => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await createMigratedDatabase('inserts');
  });
  afterAll(async () => {
    await m.dispose();
  });

  it('stores a snapshot with every double exactly as JavaScript had it, and the JSON parts intact', async () => {
    const row = makeSnapshot(1);
    expect(await m.db.insertSnapshots([row])).toEqual({ inserted: 1, duplicates: 0 });
    const [stored] = await m.db.query('select * from portfolio_greeks where cycle_key = $1', [row.cycleKey]);
    const g = row.aggregated;
    expect(stored.net_delta).toBe(g.totals.delta);
    expect(stored.net_gamma).toBe(0.30000000000000004);
    expect(stored.net_vega).toBe(g.totals.vega);
    expect(stored.net_theta).toBe(-1e-300);
    expect(stored.dollar_delta).toBe(Number.MAX_VALUE);
    expect(stored.dollar_gamma).toBe(Number.MIN_VALUE);
    expect(stored.beta_weighted_delta).toBeNull(); // odd cycle: not configured
    expect(stored.pnl_daily).toBe(-12.34);
    expect(stored.pnl_unrealized).toBeNull();
    expect(stored.snapshot_at.getTime()).toBe(g.takenAt);
    expect(stored.written_at).toBeInstanceOf(Date);
    expect(stored).toMatchObject({
      workflow_id: row.workflowId,
      account: g.account,
      mode: 'SOCKET',
      market_data_type: 'live',
      position_count: 3,
      option_count: 2,
      covered_option_count: 1,
      coverage: 0.5,
      cycle_latency_ms: row.cycleLatencyMs,
    });
    expect(stored.excluded).toEqual(g.excluded);
    expect(stored.by_underlying).toEqual(g.byUnderlying);
    expect(stored.units).toEqual(g.units);
    expect(stored.greeks_sources).toEqual(g.sources);
    expect(stored.fallback_positions).toEqual(g.fallbackPositions);
  });

  it('treats a retried or replayed cycle key as a duplicate, also within one batch', async () => {
    const rows = [makeSnapshot(10), makeSnapshot(11), makeSnapshot(12)];
    expect(await m.db.insertSnapshots(rows)).toEqual({ inserted: 3, duplicates: 0 });
    expect(await m.db.insertSnapshots([rows[1], makeSnapshot(13), rows[1]])).toEqual({ inserted: 1, duplicates: 2 });
    const [count] = await m.db.query<{ n: number }>(
      'select count(*)::int as n from portfolio_greeks where cycle_key = any($1)',
      [[10, 11, 12, 13].map((n) => makeSnapshot(n).cycleKey)],
    );
    expect(count.n).toBe(4);
  });

  it('splits a batch larger than the bind-parameter limit and keeps the row order in the ids', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => makeSnapshot(100_000 + i, { account: 'DUBIG' }));
    // About 2,400 rows a statement: a busy machine may take longer than the 1 s a cycle's write gets. Splitting and
    // order are the point here, not speed.
    const patient = createDb({ url: m.database.url, statementTimeoutMs: 30_000 });
    try {
      expect(await patient.insertSnapshots(rows)).toEqual({ inserted: 3000, duplicates: 0 });
    } finally {
      await patient.close();
    }
    const ordered = await m.db.query<{ cycle_key: string }>(
      "select cycle_key from portfolio_greeks where account = 'DUBIG' order by id",
    );
    expect(ordered.map((r) => r.cycle_key)).toEqual(rows.map((r) => r.cycleKey));
  });

  it('stores api logs once per key and never stores secret-looking detail values', async () => {
    const log = makeApiLog(1, {
      message: 'reconnect via postgres://bridge:hunter2@db/greeks failed',
      details: { attempt: 1, password: 'hunter2', nested: { sessionToken: 'abc' } },
    });
    expect(await m.db.insertApiLogs([log, makeApiLog(2)])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await m.db.insertApiLogs([log])).toEqual({ inserted: 0, duplicates: 1 });
    const [stored] = await m.db.query('select * from api_logs where log_key = $1', [log.key]);
    expect(stored).toMatchObject({ event: 'status_1100', ib_code: 1100, account: 'DU1234567', mode: 'SOCKET' });
    expect(stored.logged_at.getTime()).toBe(log.at);
    expect(stored.details).toEqual({ attempt: 1, password: '***', nested: { sessionToken: '***' } });
    expect(stored.message).toBe('reconnect via postgres://bridge:***@db/greeks failed');
    expect(JSON.stringify(stored)).not.toContain('hunter2');
    // An event that concerns no account (e.g. a replay of the whole buffer) is allowed.
    const global = makeApiLog(3, { account: null, mode: null, code: null, details: null, event: 'replay_done' });
    expect(await m.db.insertApiLogs([global])).toEqual({ inserted: 1, duplicates: 0 });
  });

  it('rejects bad data as permanent and leaves the rest of the batch unwritten', async () => {
    const bad = makeSnapshot(500);
    (bad.aggregated as { mode: string }).mode = 'CARRIER_PIGEON';
    const good = makeSnapshot(501);
    const err = await m.db.insertSnapshots([good, bad]).catch((e: unknown) => e);
    expect(classifyDbError(err)).toMatchObject({ kind: 'permanent', badData: true, code: '23514' });
    expect(classifyDbError(err).reason).toMatch(/portfolio_greeks_mode_check/);
    const rows = await m.db.query('select 1 from portfolio_greeks where cycle_key = $1', [good.cycleKey]);
    expect(rows).toHaveLength(0);

    const nan = makeSnapshot(502);
    nan.aggregated.totals.gamma = Number.NaN;
    const nanErr = await m.db.insertSnapshots([nan]).catch((e: unknown) => e);
    expect(classifyDbError(nanErr)).toMatchObject({ kind: 'permanent', badData: true });
    expect((nanErr as Error).message).toMatch(/totals\.gamma must be a finite number/);
  });

  it('classifies a missing table as permanent but not as bad data (the rows themselves are fine)', async () => {
    const err = await m.db.query('select * from no_such_table').catch((e: unknown) => e);
    expect(classifyDbError(err)).toMatchObject({ kind: 'permanent', badData: false, code: '42P01' });
  });

  it('fails fast with a transient error when a statement outlives the statement timeout', async () => {
    const quick = createDb({ url: m.database.url, statementTimeoutMs: 200 });
    try {
      const err = await quick.query('select pg_sleep(5)').catch((e: unknown) => e);
      expect(classifyDbError(err)).toMatchObject({ kind: 'transient', code: '57014' });
      await quick.ping(); // the pool recovers
    } finally {
      await quick.close();
    }
  });
});
