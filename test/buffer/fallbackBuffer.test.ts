import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../src/buffer/bufferFiles';
import { createFallbackBuffer } from '../../src/buffer/createFallbackBuffer';
import { FallbackBufferError } from '../../src/buffer/fallbackBufferError';
import type { BufferRecord } from '../../src/buffer/records';
import { makeApiLog, makeSnapshot } from '../db/support/fixtures';
import { createMigratedDatabase, type MigratedDatabase } from '../db/support/migratedDatabase';
import { makeTempDir, type TempDir } from './support/tempDir';

const snapshot = (n: number, account = 'DUBUF'): BufferRecord => ({
  kind: 'snapshot',
  row: makeSnapshot(n, { account }),
});

/** Permission bits of a path, e.g. '600'. */
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

function quarantined(dir: string): Array<{ reason: string; line: string; source: string }> {
  const text = readFileSync(join(dir, 'quarantine.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('fallback buffer', () => {
  let m: MigratedDatabase;
  let temp: TempDir;
  beforeAll(async () => {
    m = await createMigratedDatabase('buffer');
  });
  afterAll(async () => {
    await m.dispose();
  });
  beforeEach(async () => {
    temp = makeTempDir('buffer');
    await m.db.query('truncate portfolio_greeks, api_logs');
  });
  afterEach(() => temp.remove());

  it('appends versioned JSONL records, counts them, and replays them once into the tables', async () => {
    const buffer = createFallbackBuffer({ dir: join(temp.path, 'created-on-demand') });
    await buffer.append([snapshot(1), snapshot(2)]);
    await buffer.append([{ kind: 'api_log', row: makeApiLog(1, { event: 'fallback_engaged' }) }, snapshot(3)]);
    const lines = readFileSync(join(temp.path, 'created-on-demand', 'active.jsonl'), 'utf8').split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({
      v: 1,
      kind: 'snapshot',
      row: { cycleKey: makeSnapshot(1, { account: 'DUBUF' }).cycleKey },
    });
    const stats = await buffer.stats();
    expect(stats).toMatchObject({ rows: 4, files: 1, quarantined: 0 });
    expect(stats.bytes).toBe(readFileSync(join(temp.path, 'created-on-demand', 'active.jsonl')).length);

    const progress: number[] = [];
    const result = await buffer.replay(m.db, { batchSize: 2, onProgress: (info) => void progress.push(info.replayed) });
    expect(result).toEqual({ replayed: 4, duplicates: 0, quarantined: 0, remainingRows: 0 });
    expect(progress).toEqual([2, 4]);
    expect(await buffer.stats()).toEqual({ rows: 0, bytes: 0, files: 0, quarantined: 0 });
    const keys = await m.db.query<{ cycle_key: string }>('select cycle_key from portfolio_greeks order by id');
    expect(keys.map((r) => r.cycle_key)).toEqual([1, 2, 3].map((n) => makeSnapshot(n, { account: 'DUBUF' }).cycleKey));
    const [log] = await m.db.query('select event from api_logs');
    expect(log.event).toBe('fallback_engaged');
    expect(readdirSync(join(temp.path, 'created-on-demand')).filter((f) => f.endsWith('.jsonl'))).toEqual([]);

    // Buffering the same rows again (a retried fallback activity) stores nothing twice.
    await buffer.append([snapshot(2), snapshot(3)]);
    expect(await buffer.replay(m.db)).toEqual({ replayed: 0, duplicates: 2, quarantined: 0, remainingRows: 0 });
  });

  it('keeps a torn line from a crash mid-append aside and loses none of the complete rows around it', async () => {
    const warnings: string[] = [];
    const buffer = createFallbackBuffer({ dir: temp.path, log: (_level, message) => warnings.push(message) });
    await buffer.append([snapshot(1), snapshot(2)]);
    // What a crash leaves behind: the first 100 bytes of a record, no newline.
    const torn = JSON.stringify({ v: 1, kind: 'snapshot', row: makeSnapshot(3, { account: 'DUBUF' }) }).slice(0, 100);
    appendFileSync(join(temp.path, 'active.jsonl'), torn);
    await buffer.append([snapshot(4)]); // the restarted worker goes on appending
    expect(warnings.join('\n')).toMatch(/torn/);
    // ...and the next crash tears the last line too.
    appendFileSync(join(temp.path, 'active.jsonl'), '{"v":1,"kind":"snap');

    const result = await buffer.replay(m.db, { batchSize: 10 });
    expect(result).toEqual({ replayed: 3, duplicates: 0, quarantined: 2, remainingRows: 0 });
    const keys = await m.db.query<{ cycle_key: string }>('select cycle_key from portfolio_greeks order by id');
    expect(keys.map((r) => r.cycle_key)).toEqual([1, 2, 4].map((n) => makeSnapshot(n, { account: 'DUBUF' }).cycleKey));
    const aside = quarantined(temp.path);
    expect(aside.map((q) => q.line)).toEqual([torn, '{"v":1,"kind":"snap']);
    expect(aside[0].reason).toMatch(/torn or corrupt/);
    expect(aside[1].reason).toMatch(/last line has no newline/);
    expect((await buffer.stats()).quarantined).toBe(2);
  });

  it('quarantines rows Postgres rejects for bad data, with the reason, and still writes the rest of the batch', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path });
    const bad = makeSnapshot(2, { account: 'DUBUF' });
    bad.aggregated.coverage = 1.5; // violates the coverage check
    const unknownVersion = JSON.stringify({ v: 99, kind: 'snapshot', row: makeSnapshot(9) });
    await buffer.append([snapshot(1), { kind: 'snapshot', row: bad }, snapshot(3)]);
    appendFileSync(join(temp.path, 'active.jsonl'), `${unknownVersion}\n`);

    const result = await buffer.replay(m.db, { batchSize: 10 });
    expect(result).toEqual({ replayed: 2, duplicates: 0, quarantined: 2, remainingRows: 0 });
    const aside = quarantined(temp.path);
    expect(aside.map((q) => q.reason)).toEqual([
      expect.stringMatching(/unsupported buffer format version 99/),
      expect.stringMatching(/portfolio_greeks_coverage_check/),
    ]);
    expect(JSON.parse(aside[1].line).row.cycleKey).toBe(bad.cycleKey);
  });

  it('keeps the file when the database fails for a reason that is not the rows (missing table)', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path });
    await buffer.append([snapshot(1), snapshot(2)]);
    const broken = {
      insertSnapshots: () =>
        m.db.query('insert into no_such_table values (1)').then(() => ({ inserted: 0, duplicates: 0 })),
      insertApiLogs: m.db.insertApiLogs,
    };
    await expect(buffer.replay(broken)).rejects.toThrow(/no_such_table/);
    expect(await buffer.stats()).toMatchObject({ rows: 2, quarantined: 0 });
    expect(await buffer.replay(m.db)).toMatchObject({ replayed: 2, remainingRows: 0 });
  });

  it('fails with a typed one-line error on a full disk', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path });
    symlinkSync('/dev/full', join(temp.path, 'active.jsonl')); // every write: ENOSPC from the kernel
    const err = await buffer.append([snapshot(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FallbackBufferError);
    expect(err).toMatchObject({ code: 'disk_full', errno: 'ENOSPC' });
    expect((err as Error).message).toMatch(
      /^fallback buffer .*active\.jsonl: disk full \(ENOSPC\): 1 row\(s\) not buffered$/,
    );
  });

  it('fails with a typed one-line error when the directory cannot be created or written', async () => {
    writeFileSync(join(temp.path, 'a-file'), 'not a directory');
    const buffer = createFallbackBuffer({ dir: join(temp.path, 'a-file', 'buffer') });
    const err = await buffer.append([snapshot(1), snapshot(2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FallbackBufferError);
    expect(err).toMatchObject({ code: 'unwritable', errno: 'ENOTDIR' });
    expect((err as Error).message).toMatch(/not writable \(ENOTDIR\): 2 row\(s\) not buffered$/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('keeps its directory 0700 and every file it writes 0600, whatever the umask allows', async () => {
    // The default umask (022) would make them 0755 and 0644: readable by every user of the machine.
    const dir = join(temp.path, 'private', 'buffer');
    const buffer = createFallbackBuffer({ dir });
    await buffer.append([snapshot(1), snapshot(2), snapshot(3)]);
    expect([modeOf(dir), modeOf(join(dir, 'active.jsonl'))]).toEqual(['700', '600']);
    appendFileSync(join(dir, 'active.jsonl'), '{"v":1,"kind":"snap\n'); // a bad line, for the quarantine file

    const seen = new Map<string, string>();
    await buffer.replay(m.db, {
      batchSize: 1,
      // Mid-replay the sealed segment and its committed offset are on disk.
      onProgress: () => {
        for (const name of readdirSync(dir)) seen.set(name.replace(/\d+/g, 'N'), modeOf(join(dir, name)));
      },
    });
    for (const name of readdirSync(dir)) seen.set(name, modeOf(join(dir, name)));
    expect(Object.fromEntries(seen)).toEqual({
      'segment-N-N.jsonl': '600',
      'segment-N-N.jsonl.offset': '600',
      'quarantine.jsonl': '600',
    });
  });

  it('makes an existing directory and files private, and says once when the directory cannot be', async () => {
    const dir = join(temp.path, 'from-an-older-version');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'active.jsonl'), '');
    chmodSync(join(dir, 'active.jsonl'), 0o644);
    await createFallbackBuffer({ dir }).append([snapshot(1)]);
    expect([modeOf(dir), modeOf(join(dir, 'active.jsonl'))]).toEqual(['700', '600']);

    // A directory whose mode nobody may change, not even root: /proc/self is 0555 and refuses chmod.
    const warnings: string[] = [];
    await ensurePrivateDir('/proc/self', (message) => warnings.push(message));
    await ensurePrivateDir('/proc/self', (message) => warnings.push(message));
    expect(warnings).toEqual([
      'fallback buffer /proc/self: directory mode is 0555 and cannot be made 0700 (EPERM); other users may read buffered rows',
    ]);
  });

  it('writes api_logs rows to disk with their secrets already hidden', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path });
    const log = makeApiLog(7, {
      event: 'fallback_engaged',
      message: 'insert failed for postgres://bridge:hunter2@db/greeks',
      details: { attempt: 1, password: 'hunter2', headers: { cookie: 'x-sess-uuid=hunter2' }, dsn: 'password=hunter2' },
    });
    await buffer.append([{ kind: 'api_log', row: log }]);
    const text = readFileSync(join(temp.path, 'active.jsonl'), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).row).toEqual({
      ...log,
      message: 'insert failed for postgres://bridge:***@db/greeks',
      details: { attempt: 1, password: '***', headers: { cookie: '***' }, dsn: 'password=***' },
    });

    expect(await buffer.replay(m.db)).toMatchObject({ replayed: 1, quarantined: 0 });
    const [stored] = await m.db.query('select message, details from api_logs');
    expect(stored).toEqual({
      message: 'insert failed for postgres://bridge:***@db/greeks',
      details: JSON.parse(text).row.details,
    });
  });

  it('seals the active file into ordered segments and replays them in order', async () => {
    const buffer = createFallbackBuffer({ dir: temp.path, maxSegmentBytes: 8 * 1024 });
    for (let n = 0; n < 40; n++) await buffer.append([snapshot(n)]);
    const stats = await buffer.stats();
    expect(stats.rows).toBe(40);
    expect(stats.files).toBeGreaterThan(2);
    expect(await buffer.replay(m.db, { batchSize: 7 })).toMatchObject({ replayed: 40, remainingRows: 0 });
    const rows = await m.db.query<{ snapshot_at: Date }>('select snapshot_at from portfolio_greeks order by id');
    const times = rows.map((r) => r.snapshot_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times).toHaveLength(40);
  });
});
