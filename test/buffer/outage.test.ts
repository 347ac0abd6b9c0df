import { createFallbackBuffer } from '../../src/buffer/createFallbackBuffer';
import { classifyDbError } from '../../src/db/classifyDbError';
import { createDb, type Db } from '../../src/db/createDb';
import type { SnapshotRow } from '../../src/db/types';
import { makeApiLog, makeSnapshot } from '../db/support/fixtures';
import { createMigratedDatabase, type MigratedDatabase } from '../db/support/migratedDatabase';
import { startHangableProxy, viaPort, type HangableProxy } from '../../harness/hangableProxy';
import { makeTempDir, type TempDir } from './support/tempDir';

describe('Postgres goes away and comes back', () => {
  let m: MigratedDatabase;
  let proxy: HangableProxy;
  let db: Db;
  let temp: TempDir;
  beforeAll(async () => {
    m = await createMigratedDatabase('outage');
    const target = new URL(m.database.url);
    proxy = await startHangableProxy(target.hostname, Number(target.port || 5432));
    db = createDb({ url: viaPort(m.database.url, proxy.port), statementTimeoutMs: 300, connectionTimeoutMs: 500 });
    temp = makeTempDir('outage');
  });
  afterAll(async () => {
    await db.close();
    await proxy.close();
    await m.dispose();
    temp.remove();
  });

  it('buffers every snapshot of the outage and replays each exactly once, in order', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path });
    const failures: string[] = [];
    // What the workflow does each cycle: try the write (Temporal retries it), else buffer the row.
    const cycle = async (row: SnapshotRow): Promise<'written' | 'buffered'> => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await db.insertSnapshots([row]);
          return 'written';
        } catch (err) {
          const problem = classifyDbError(err);
          failures.push(`${problem.kind}: ${problem.reason}`);
          if (problem.kind === 'permanent') break;
        }
      }
      await buffer.append([{ kind: 'snapshot', row }]);
      return 'buffered';
    };
    const rows = Array.from({ length: 40 }, (_, n) => makeSnapshot(n, { account: 'DUOUTAGE' }));

    for (const row of rows.slice(0, 5)) expect(await cycle(row)).toBe('written');

    await proxy.stop(); // connection refused; open pooled connections reset
    for (const row of rows.slice(5, 20)) expect(await cycle(row)).toBe('buffered');
    await buffer.append([{ kind: 'api_log', row: makeApiLog(1, { event: 'fallback_engaged' }) }]);

    await proxy.start();
    proxy.hang(); // the port answers but the database never does
    for (const row of rows.slice(20, 25)) expect(await cycle(row)).toBe('buffered');

    expect(failures.length).toBeGreaterThanOrEqual(60);
    expect(failures.every((f) => f.startsWith('transient'))).toBe(true);
    expect(failures.some((f) => /ECONNREFUSED/.test(f))).toBe(true);
    expect(failures.some((f) => /timeout/i.test(f))).toBe(true);
    expect(await buffer.stats()).toMatchObject({ rows: 21, quarantined: 0 });

    await proxy.start(); // back to normal
    for (const row of rows.slice(25, 30)) expect(await cycle(row)).toBe('written');
    const replay = await buffer.replay(db, { batchSize: 4 });
    expect(replay).toEqual({ replayed: 21, duplicates: 0, quarantined: 0, remainingRows: 0 });
    for (const row of rows.slice(30)) expect(await cycle(row)).toBe('written');

    const stored = await m.db.query<{ cycle_key: string; snapshot_at: Date }>(
      "select cycle_key, snapshot_at from portfolio_greeks where account = 'DUOUTAGE' order by id",
    );
    expect(stored).toHaveLength(rows.length);
    expect(new Set(stored.map((r) => r.cycle_key))).toEqual(new Set(rows.map((r) => r.cycleKey)));
    const outage = new Set(rows.slice(5, 25).map((r) => r.cycleKey));
    const replayedInOrder = stored.filter((r) => outage.has(r.cycle_key)).map((r) => r.cycle_key);
    expect(replayedInOrder).toEqual(rows.slice(5, 25).map((r) => r.cycleKey));
    const [log] = await m.db.query("select count(*)::int as n from api_logs where event = 'fallback_engaged'");
    expect(log.n).toBe(1);
  });
});
