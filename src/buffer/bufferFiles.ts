import { chmod, mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Appends go here; replay renames it to a segment first, so appends never race a replay. */
export const ACTIVE_FILE = 'active.jsonl';
/** Lines that could not be replayed (torn, unknown format, rejected by Postgres), with the reason. */
export const QUARANTINE_FILE = 'quarantine.jsonl';
const SEGMENT_PATTERN = /^segment-\d{13}-\d{6}\.jsonl$/;

/** The buffer holds account data and api_logs details: its directory and files are the worker user's alone. */
const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
const OTHERS_BITS = 0o077;

/** Directories already made private (or found impossible to) by this process: the check and its warning run once. */
const checkedDirs = new Set<string>();

/**
 * Creates the buffer directory owner-only, or takes group and other access away from one that exists (made by an
 * older version, a volume, a umask). When that is not possible (a directory owned by another user, a file system
 * without modes) the buffer still works, and `warn` says so once.
 */
export async function ensurePrivateDir(dir: string, warn: (message: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (checkedDirs.has(dir)) return;
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & OTHERS_BITS) !== 0) {
    try {
      await chmod(dir, PRIVATE_DIR_MODE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      warn(
        `fallback buffer ${dir}: directory mode is ${mode.toString(8).padStart(4, '0')} and cannot be made 0700 (${code}); other users may read buffered rows`,
      );
    }
  }
  checkedDirs.add(dir);
}

/** Segment names sort in creation order: creation time in ms, then a counter. */
function segmentName(now: number, counter: number): string {
  return `segment-${String(now).padStart(13, '0')}-${String(counter % 1_000_000).padStart(6, '0')}.jsonl`;
}

/** Replay's committed position in a segment, in bytes. */
export function offsetFileFor(segmentPath: string): string {
  return `${segmentPath}.offset`;
}

export async function listSegments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return names.filter((name) => SEGMENT_PATTERN.test(name)).sort();
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Makes a create, rename or unlink in `dir` durable (the file's own fsync does not cover its name). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames `from` to a fresh segment name (never overwriting one) and returns the new path. */
export async function renameToNewSegment(dir: string, from: string, counter: () => number): Promise<string> {
  for (;;) {
    const target = join(dir, segmentName(Date.now(), counter()));
    if ((await fileSize(target)) > 0) continue;
    await rename(from, target);
    return target;
  }
}

/** Newline count in bytes [from, to) of a file, read in chunks. */
export async function countLines(path: string, from: number, to: number): Promise<number> {
  if (to <= from) return 0;
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let lines = 0;
    for (let position = from; position < to;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, to - position), position);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (chunk[i] === 0x0a) lines++;
      position += bytesRead;
    }
    return lines;
  } finally {
    await handle.close();
  }
}

/** False when the file's last byte is not a newline: a write was cut short (torn line). */
export async function endsWithNewline(path: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await open(path, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
