import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFallbackBuffer } from '../../src/buffer/createFallbackBuffer';
import type { BufferRecord } from '../../src/buffer/records';
import { makeApiLog, makeSnapshot } from '../db/support/fixtures';
import { createMigratedDatabase, type MigratedDatabase } from '../db/support/migratedDatabase';
import { spawnBufferChild } from './support/spawnBufferChild';
import { makeTempDir, type TempDir } from './support/tempDir';

describe('a process killed mid-append or mid-replay', () => {
  let m: MigratedDatabase;
  let temp: TempDir;
  beforeAll(async () => {
    m = await createMigratedDatabase('crash');
  });
  afterAll(async () => {
    await m.dispose();
  });
  beforeEach(() => {
    temp = makeTempDir('crash');
  });
  afterEach(() => temp.remove());

  it('loses nothing and stores nothing twice when replays are killed (at a batch boundary and mid-batch)', async () => {
    const maxSegmentBytes = 64 * 1024;
    const buffer = createFallbackBuffer({ dir: temp.path, maxSegmentBytes });
    const total = 1200;
    const records: BufferRecord[] = [];
    for (let n = 0; n < total; n++) {
      records.push({ kind: 'snapshot', row: makeSnapshot(n, { account: 'DUCRASH' }) });
      if (n % 100 === 0) records.push({ kind: 'api_log', row: makeApiLog(n, { key: `crash-log-${n}` }) });
    }
    for (let i = 0; i < records.length; i += 50) await buffer.append(records.slice(i, i + 50));
    const logs = records.length - total;
    expect((await buffer.stats()).rows).toBe(records.length);
    const env = {
      BUFFER_DIR: temp.path,
      DATABASE_URL: m.database.url,
      BATCH_SIZE: '25',
      MAX_SEGMENT_BYTES: String(maxSegmentBytes),
    };
    const countStored = async () =>
      (await m.db.query<{ n: number }>("select count(*)::int as n from portfolio_greeks where account = 'DUCRASH'"))[0]
        .n;

    // 1. Killed after a committed batch (it stalls in onProgress, after the offset is saved).
    const first = spawnBufferChild({ ...env, MODE: 'replay', STALL_AFTER: '6' });
    await first.waitFor((lines) => lines.includes('stalled'));
    expect(await first.kill()).toBe('SIGKILL');
    const afterFirst = await countStored();
    expect(afterFirst).toBeGreaterThan(0);
    expect(afterFirst).toBeLessThan(total);

    // 2. Killed between a commit and saving its offset: the same state as rolling the offset back.
    const offsets = readdirSync(temp.path).filter((name) => name.endsWith('.offset'));
    expect(offsets).toHaveLength(1);
    writeFileSync(join(temp.path, offsets[0]), '0');

    // 3. Killed at whatever point it has reached when its first progress report arrives.
    const second = spawnBufferChild({ ...env, MODE: 'replay' });
    await second.waitFor((lines) => lines.length > 0);
    await second.kill();
    // Its first batch re-sent rows the first replay had committed: counted as duplicates, not stored.
    expect(JSON.parse(second.lines[0]).duplicates).toBeGreaterThan(0);

    // 4. The next replay (here: in this process) finishes the job.
    const result = await buffer.replay(m.db, { batchSize: 25 });
    expect(result.remainingRows).toBe(0);
    expect(result.quarantined).toBe(0);
    const stored = await m.db.query<{ cycle_key: string; n: number }>(
      "select cycle_key, count(*)::int as n from portfolio_greeks where account = 'DUCRASH' group by 1",
    );
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((r) => r.cycle_key))).toEqual(
      new Set(Array.from({ length: total }, (_, n) => makeSnapshot(n, { account: 'DUCRASH' }).cycleKey)),
    );
    const [storedLogs] = await m.db.query<{ n: number }>(
      "select count(*)::int as n from api_logs where log_key like 'crash-log-%'",
    );
    expect(storedLogs.n).toBe(logs);
    expect(await buffer.stats()).toEqual({ rows: 0, bytes: 0, files: 0, quarantined: 0 });
    expect(readdirSync(temp.path)).toEqual([]);
  });

  it('keeps every append that returned, and nothing else is lost, when the appending process is killed', async () => {
    const appender = spawnBufferChild({ BUFFER_DIR: temp.path, MODE: 'append', MAX_SEGMENT_BYTES: String(32 * 1024) });
    await appender.waitFor((lines) => lines.length >= 200);
    await appender.kill();
    const acknowledged = appender.lines.length; // appends that resolved before the kill

    const buffer = createFallbackBuffer({ dir: temp.path });
    const result = await buffer.replay(m.db, { batchSize: 100 });
    const stored = await m.db.query<{ cycle_key: string }>(
      "select cycle_key from portfolio_greeks where account = 'DUAPPEND' order by id",
    );
    // Every acknowledged append is stored, in order; at most the one append in flight may be there
    // too (it reached the disk but not its caller) or be quarantined as a torn line.
    const expected = Array.from({ length: acknowledged }, (_, n) => makeSnapshot(n, { account: 'DUAPPEND' }).cycleKey);
    expect(stored.slice(0, acknowledged).map((r) => r.cycle_key)).toEqual(expected);
    expect(stored.length - acknowledged).toBeLessThanOrEqual(1);
    expect(result.quarantined).toBeLessThanOrEqual(1);
    expect(result.replayed).toBe(stored.length);
  });
});
