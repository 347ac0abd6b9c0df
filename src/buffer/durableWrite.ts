import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './bufferFiles';

/** Appends text to a file and fsyncs it; on failure the file is cut back to its old length. */
export async function appendDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a');
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
  const handle = await open(temp, 'w');
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
