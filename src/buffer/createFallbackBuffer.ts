import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ACTIVE_FILE,
  QUARANTINE_FILE,
  countLines,
  endsWithNewline,
  ensurePrivateDir,
  fileSize,
  fsyncDir,
  listSegments,
  offsetFileFor,
  renameToNewSegment,
} from './bufferFiles';
import { appendDurably, readCounter, replaceDurably } from './durableWrite';
import { toFallbackBufferError } from './fallbackBufferError';
import { createMutex } from './mutex';
import { encodeRecord, type BufferRecord } from './records';
import { replaySegment, type ReplayTarget } from './replaySegment';

export interface FallbackBufferOptions {
  /** FALLBACK_DIR. Created when missing. One buffer (one worker process) per directory. */
  dir: string;
  /** The active file is sealed into a segment once it grows past this; bounds replay's memory. Default 16 MiB. */
  maxSegmentBytes?: number;
  log?: (level: 'warn' | 'info', message: string) => void;
}

export interface BufferStats {
  /** Rows waiting for replay. */
  rows: number;
  /** Bytes of those rows. */
  bytes: number;
  /** Files holding them (active file and sealed segments). */
  files: number;
  /** Lines set aside in quarantine.jsonl (never replayed automatically). */
  quarantined: number;
}

export interface ReplayProgress {
  file: string;
  replayed: number;
  duplicates: number;
  quarantined: number;
}

export interface ReplayOptions {
  /** Rows per INSERT transaction. Default 500. */
  batchSize?: number;
  /** After every committed batch: a good place to heartbeat. May be async. */
  onProgress?: (info: ReplayProgress) => void | Promise<void>;
}

export interface ReplayResult {
  replayed: number;
  duplicates: number;
  quarantined: number;
  remainingRows: number;
}

export interface FallbackBuffer {
  /** Appends the records as one fsync'd unit: all of them are on disk when it resolves, none when it throws. */
  append(records: BufferRecord[]): Promise<{ rows: number; bytes: number }>;
  stats(): Promise<BufferStats>;
  /** Writes everything buffered so far to the database; resumes where a crashed replay stopped. */
  replay(db: ReplayTarget, options?: ReplayOptions): Promise<ReplayResult>;
}

const DEFAULT_MAX_SEGMENT_BYTES = 16 * 1024 * 1024;

export function createFallbackBuffer(options: FallbackBufferOptions): FallbackBuffer {
  const { dir } = options;
  const activePath = join(dir, ACTIVE_FILE);
  const maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
  const log = options.log ?? (() => undefined);
  // Appends and the sealing of the active file exclude each other; a replay holds its own lock so
  // appends keep working (into a fresh active file) while it runs.
  const fileLock = createMutex();
  const replayLock = createMutex();
  let segmentCounter = 0;
  // stats() runs every cycle while degraded; count only bytes appended since the last call. Keyed
  // by inode too, since a sealed active file is replaced by a new one at the same path.
  const lineCounts = new Map<string, { ino: number; from: number; to: number; lines: number }>();

  async function sealActive(): Promise<void> {
    if ((await fileSize(activePath)) === 0) return;
    await renameToNewSegment(dir, activePath, () => segmentCounter++);
    await fsyncDir(dir);
    lineCounts.delete(activePath);
  }

  /** Lines in bytes [from, end) of a file, counting only bytes not seen by an earlier call. */
  async function linesSince(path: string, from: number): Promise<{ lines: number; bytes: number }> {
    const file = await stat(path).catch(() => undefined);
    if (!file || file.size <= from) return { lines: 0, bytes: 0 };
    const cached = lineCounts.get(path);
    const reusable = cached && cached.ino === file.ino && cached.from === from && cached.to <= file.size;
    const counted = reusable ? cached.lines : 0;
    const lines = counted + (await countLines(path, reusable ? cached.to : from, file.size));
    lineCounts.set(path, { ino: file.ino, from, to: file.size, lines });
    return { lines, bytes: file.size - from };
  }

  async function stats(): Promise<BufferStats> {
    const stats: BufferStats = { rows: 0, bytes: 0, files: 0, quarantined: 0 };
    const paths = [...(await listSegments(dir)).map((name) => join(dir, name)), activePath];
    for (const path of paths) {
      const pending = await linesSince(path, path === activePath ? 0 : await readCounter(offsetFileFor(path)));
      if (pending.bytes === 0) continue;
      stats.files += 1;
      stats.bytes += pending.bytes;
      stats.rows += pending.lines;
    }
    stats.quarantined = (await linesSince(join(dir, QUARANTINE_FILE), 0)).lines;
    return stats;
  }

  return {
    async append(records) {
      const text = records.map(encodeRecord).join('');
      if (text === '') return { rows: 0, bytes: 0 };
      return fileLock.run(async () => {
        try {
          await ensurePrivateDir(dir, (message) => log('warn', message));
          if ((await fileSize(activePath)) >= maxSegmentBytes) await sealActive();
          const size = await fileSize(activePath);
          // A crash mid-append can leave a line without its newline; start on a fresh line so that
          // fragment stays one bad line (quarantined at replay) and does not swallow this record.
          const sealTorn = !(await endsWithNewline(activePath, size));
          if (sealTorn) log('warn', `fallback buffer ${activePath}: last line was torn; kept for quarantine`);
          await appendDurably(activePath, sealTorn ? `\n${text}` : text);
          return { rows: records.length, bytes: Buffer.byteLength(text) };
        } catch (err) {
          throw toFallbackBufferError(err, activePath, `${records.length} row(s) not buffered`);
        }
      });
    },

    stats,

    async replay(db, replayOptions = {}) {
      const batchSize = Math.max(1, replayOptions.batchSize ?? 500);
      return replayLock.run(async () => {
        await fileLock.run(sealActive);
        const result: ReplayResult = { replayed: 0, duplicates: 0, quarantined: 0, remainingRows: 0 };
        for (const name of await listSegments(dir)) {
          const path = join(dir, name);
          const offsetPath = offsetFileFor(path);
          const done = await replaySegment(db, {
            dir,
            path,
            startOffset: await readCounter(offsetPath),
            batchSize,
            warn: (message) => log('warn', message),
            onCommitted: async (offset, progress) => {
              await replaceDurably(offsetPath, String(offset));
              await replayOptions.onProgress?.({
                file: name,
                replayed: result.replayed + progress.replayed,
                duplicates: result.duplicates + progress.duplicates,
                quarantined: result.quarantined + progress.quarantined,
              });
            },
          });
          result.replayed += done.replayed;
          result.duplicates += done.duplicates;
          result.quarantined += done.quarantined;
          // Every row of the segment is committed (or quarantined): only now may it go.
          await unlink(path);
          await unlink(offsetPath).catch(() => undefined);
          await fsyncDir(dir);
          lineCounts.delete(path);
        }
        result.remainingRows = (await stats()).rows;
        if (result.replayed + result.duplicates + result.quarantined > 0) {
          log('info', `fallback buffer replayed ${result.replayed} row(s), ${result.duplicates} already stored`);
        }
        return result;
      });
    },
  };
}
