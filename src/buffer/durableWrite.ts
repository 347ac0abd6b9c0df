import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRIVATE_FILE_MODE, fsyncDir } from './bufferFiles';

/**
 * Opens a buffer file that is created 0600; one that exists with group or other access (written by an older
 * version) is tightened. Only regular files: the path may be a link to a device (a full-disk test uses /dev/full).
 */
async function openPrivate(path: string, flags: 'a' | 'w'): Promise<FileHandle> {
  const handle = await open(path, flags, PRIVATE_FILE_MODE);
  try {
    const file = await handle.stat();
    if (file.isFile() && (file.mode & 0o077) !== 0) await handle.chmod(PRIVATE_FILE_MODE);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Appends text to a file and fsyncs it; on failure the file is cut back to its old length. */
export async function appendDurably(path: string, text: string): Promise<void> {
  const handle = await openPrivate(path, 'a');
  let sizeBefore: number | undefined;
  try {
    sizeBefore = (await handle.stat()).size;
    await handle.writeFile(text);
    await handle.sync();
    if (sizeBefore === 0) await fsyncDir(dirname(path));
  } catch (err) {
    if (sizeBefore !== undefined) await handle.truncate(sizeBefore).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
}

/** Replaces a small file atomically (write a temp file, fsync, rename), so a crash leaves old or new. */
export async function replaceDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await openPrivate(temp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}

/** A non-negative integer stored by replaceDurably, or 0 when the file is missing or unreadable. */
export async function readCounter(path: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
