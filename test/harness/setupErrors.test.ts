import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolvePostgres } from '../../src/infra/postgres';
import { startTemporalDevServer } from '../../src/infra/temporalServer';
import { freePort } from '../../src/infra/freePort';

const ROOT = join(__dirname, '..', '..');

describe('bad set-up input gets one clear line', () => {
  it('a DATABASE_URL that cannot be reached', async () => {
    const port = await freePort();
    await expect(
      resolvePostgres({ databaseUrl: `postgres://bridge:s3cret@127.0.0.1:${port}/bridge`, dataDir: tmpdir() }),
    ).rejects.toThrow(
      new RegExp(
        `^DATABASE_URL cannot be reached: postgres://bridge:\\*\\*\\*@127\\.0\\.0\\.1:${port}/bridge: .*ECONNREFUSED`,
      ),
    );
  });

  it('a temporal binary that does not start', async () => {
    await expect(startTemporalDevServer({ binary: '/bin/false', startTimeoutMs: 10_000 })).rejects.toThrow(
      /^temporal exited with 1 \(binary \/bin\/false\)$/,
    );
    await expect(startTemporalDevServer({ binary: '/nonexistent/temporal' })).rejects.toThrow(
      /^temporal could not start: spawn \/nonexistent\/temporal ENOENT/,
    );
  });

  it('a Temporal port that is already taken', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(startTemporalDevServer({ port })).rejects.toThrow(
        `cannot start the Temporal dev server: 127.0.0.1:${port} is already in use`,
      );
    } finally {
      server.close();
    }
  });

  it('no Go and no temporal on PATH', async () => {
    // A copy of the project's set-up with dependencies already "installed" and nothing on PATH but the system.
    const project = mkdtempSync(join(tmpdir(), 'bridge-setup-'));
    try {
      cpSync(join(ROOT, 'scripts', 'setup.sh'), join(project, 'scripts', 'setup.sh'));
      writeFileSync(join(project, 'package-lock.json'), '{}');
      mkdirSync(join(project, 'node_modules'));
      writeFileSync(join(project, 'node_modules', '.package-lock.json'), '{}');
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(project, 'node_modules', '.package-lock.json'), later, later);
      const result = await promisify(execFile)('bash', [join(project, 'scripts', 'setup.sh')], {
        env: { PATH: '/usr/bin:/bin' },
        encoding: 'utf8',
      }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        "[setup] ERROR: no 'temporal' on PATH and no Go to build it. Install the Temporal CLI: brew install temporal (macOS) or curl -sSf https://temporal.download/cli.sh | sh",
      ]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
