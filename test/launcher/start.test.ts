import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'node:net';
import { Client } from 'pg';
import { freePort } from '../../src/infra/freePort';
import { eventually } from '../bridge/stack';
import { resetEnvAwayFrom } from '../../harness/resetWindow';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm start` without the set-up step (the harness has already done it): the launcher on its own ports and data
 * folder, exactly as the README's first command runs it.
 */
describe('npm start: the whole bridge on embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-launch-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  let ports: Record<string, number>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ports = {
      temporal: await freePort(),
      ui: await freePort(),
      postgres: await freePort(),
      http: await freePort(),
    };
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BRIDGE_DATA_DIR: dataDir,
      BRIDGE_TEMPORAL_PORT: String(ports.temporal),
      BRIDGE_TEMPORAL_UI_PORT: String(ports.ui),
      BRIDGE_POSTGRES_PORT: String(ports.postgres),
      HTTP_PORT: String(ports.http),
      FALLBACK_DIR: join(dataDir, 'fallback'),
      CYCLE_INTERVAL_MS: '1000',
      // The nightly window half a day away, so it never falls inside the test, whatever the time of day.
      ...resetEnvAwayFrom(),
    };
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function launch(): { child: ChildProcess; output: string[] } {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'launcher', 'main.ts')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (c) => output.push(String(c)));
    child.stderr?.on('data', (c) => output.push(String(c)));
    return { child, output };
  }

  async function rowCount(): Promise<number> {
    const client = new Client({
      connectionString: `postgres://postgres:bridge-local-only@127.0.0.1:${ports.postgres}/bridge`,
    });
    try {
      await client.connect();
      return Number((await client.query('select count(*) as n from portfolio_greeks')).rows[0].n);
    } catch {
      return 0;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function bridgeStatus(): Promise<{ state?: string; cyclesTotal?: number }> {
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'bin', 'bridge.js'), 'status', '--json', '--account', 'DU1234567'],
        { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}` }, encoding: 'utf8' },
      );
      return JSON.parse(stdout);
    } catch {
      return {};
    }
  }

  async function stopWithCtrlC(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  }

  const listening = async (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });

  it('brings everything up, writes rows within 30 s, stops cleanly on Ctrl-C, and continues on the next start', async () => {
    const first = launch();
    const startedAt = Date.now();
    await eventually(rowCount, (n) => n >= 1, 60_000, `first row (output: ${first.output.join('').slice(-800)})`);
    const firstRowAfterMs = Date.now() - startedAt;
    const status = await eventually(bridgeStatus, (s) => s.state === 'ready', 30_000, 'bridge status ready');
    expect(status.state).toBe('ready');
    expect(first.output.join('')).toMatch(/Workflow\s+ibkr-bridge-DU1234567 \(started\)/);
    expect(first.output.join('')).toContain(
      `http://127.0.0.1:${ports.ui}/namespaces/default/workflows/ibkr-bridge-DU1234567`,
    );
    // 30 s is the promise to a newcomer; the start itself (server, database, bundle) is part of it.
    expect(firstRowAfterMs).toBeLessThan(30_000);

    expect(await stopWithCtrlC(first.child)).toBe(0);
    for (const port of [ports.temporal, ports.postgres, ports.http]) expect(await listening(port)).toBe(false);
    const rowsBefore = await rowCount();
    expect(rowsBefore).toBe(0); // the database is down with everything else

    const second = launch();
    await eventually(
      bridgeStatus,
      (s) => s.state === 'ready' && (s.cyclesTotal ?? 0) > status.cyclesTotal!,
      60_000,
      'the same workflow going on',
    );
    expect(second.output.join('')).toMatch(/Workflow\s+ibkr-bridge-DU1234567 \(continuing\)/);
    expect(await stopWithCtrlC(second.child)).toBe(0);
  }, 200_000);
});
