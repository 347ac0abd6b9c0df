import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BUFFER_ID_FILE, bufferIdentity } from '../../src/worker/bufferIdentity';
import { createFallbackBuffer } from '../../src/buffer';
import { makeTempDir } from './support/tempDir';

describe('the id of a fallback buffer directory', () => {
  it('names the directory, not the process: the same id after a restart, another for another directory', async () => {
    const a = makeTempDir('identity-a');
    const b = makeTempDir('identity-b');
    try {
      const first = await bufferIdentity(join(a.path, 'fallback'));
      expect(first).toMatch(/^[0-9a-f-]{36}$/);
      expect(await bufferIdentity(join(a.path, 'fallback'))).toBe(first);
      const [again, concurrent] = await Promise.all([bufferIdentity(b.path), bufferIdentity(b.path)]);
      expect(again).toBe(concurrent);
      expect(again).not.toBe(first);
      expect(statSync(join(a.path, 'fallback', BUFFER_ID_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      a.remove();
      b.remove();
    }
  });

  it('is not a row of the buffer', async () => {
    const dir = makeTempDir('identity-rows');
    try {
      await bufferIdentity(dir.path);
      const buffer = createFallbackBuffer({ dir: dir.path });
      expect(await buffer.stats()).toMatchObject({ rows: 0, files: 0 });
    } finally {
      dir.remove();
    }
  });
});
