import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Names the buffer directory, not the process: a worker restarted on the same disk is the same buffer. */
export const BUFFER_ID_FILE = 'buffer-id';
const UUID = /^[0-9a-f-]{36}$/;

/**
 * The id of the fallback buffer in `dir`, created on first use. The workflow counts each buffer's rows under it, so a
 * worker that restarts on the same directory replaces its earlier report instead of adding to it.
 */
export async function bufferIdentity(dir: string): Promise<string> {
  const path = join(dir, BUFFER_ID_FILE);
  const existing = await readFile(path, 'utf8').then(
    (text) => text.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    },
  );
  if (UUID.test(existing)) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const id = randomUUID();
  // 'wx': two processes started on one directory by mistake must not both believe they named it.
  await writeFile(path, `${id}\n`, { flag: 'wx', mode: 0o600 }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  // The winner of a race may not have written its id yet: read until it is there.
  for (let attempt = 0; ; attempt++) {
    const written = (await readFile(path, 'utf8')).trim();
    if (UUID.test(written)) return written;
    if (attempt >= 50) throw new Error(`${path} does not hold a buffer id`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
