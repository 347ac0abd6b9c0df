import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../../src/config/load';
import { freePort } from '../../src/infra/freePort';
import { PROJECT_ROOT } from '../../src/infra/temporalServer';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';
import { settingsFromConfig } from '../../src/worker/settings';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { eventually } from '../bridge/stack';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { resetEnvAwayFrom } from '../../harness/resetWindow';
import { temporalAddress, uniqueName } from '../support/temporal';
import {
  dockerfileInstructions,
  durationMs,
  execForm,
  finalStage,
  imageEnv,
  loadCompose,
  repoPath,
} from './support/deployFiles';

describe('the worker image', () => {
  it('is Debian-based Node 20 with CA certificates, built with the workflow bundle, and runs as a non-root user', () => {
    const instructions = dockerfileInstructions();
    const args = (keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
    const baseImage = /NODE_IMAGE=(\S+)/.exec(args('ARG').join(' '))?.[1] ?? '';
    expect(baseImage).toMatch(/^node:20-(bookworm|bullseye)(-slim)?$/);
    expect(args('FROM').every((from) => from.startsWith('${NODE_IMAGE}') || /^base\b/.test(from))).toBe(true);
    expect(instructions.some((i) => /alpine/i.test(i.args))).toBe(false);

    const runs = args('RUN').join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends ca-certificates/);
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build:bundle/);
    // The fallback buffer's volume starts private to the worker's user, as the worker keeps it.
    expect(runs).toMatch(/chown node:node \/var\/lib\/bridge\/fallback && chmod 0700 \/var\/lib\/bridge\/fallback/);
    expect(readFileSync(repoPath('package.json'), 'utf8')).toContain('"build:bundle"');

    const user = finalStage().filter((i) => i.keyword === 'USER');
    expect(user.length).toBeGreaterThan(0);
    expect(user[user.length - 1].args).not.toMatch(/^(root|0)(:|$)/);
    expect(execForm('HEALTHCHECK')).toEqual(['node', 'deploy/worker/healthcheck.cjs']);
    expect(imageEnv()).toMatchObject({ HTTP_HOST: '0.0.0.0' });
  });

  it('sends every file it copies into the build context (.dockerignore lets them through)', () => {
    const allowed = readFileSync(repoPath('.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const copied = dockerfileInstructions()
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect([source, allowed.some((entry) => path === entry || path.startsWith(`${entry}/`))]).toEqual([source, true]);
    }
  });
});

/**
 * The image's CMD and HEALTHCHECK, run on this machine with the environment the image and docker-compose.yml give
 * them, against the harness's Temporal server, a fresh database and the TWS simulator.
 */
describe("the worker image's entry command, run directly", () => {
  let simulator: TwsSimulator;
  let database: TestDatabase;
  let connection: Connection;
  let client: Client;
  let worker: ChildProcess | null = null;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  const fallbackDir = mkdtempSync(join(tmpdir(), 'worker-entry-'));
  let env: Record<string, string>;
  let httpPort: number;

  beforeAll(async () => {
    simulator = await startTwsSimulator({ port: 0, seed: 11, settings: { tickIntervalMs: 200 } });
    database = await createTestDatabase('worker_entry');
    connection = await Connection.connect({ address: temporalAddress() });
    client = new Client({ connection, namespace: 'default' });
    httpPort = await freePort();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      ...imageEnv(),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueName('worker-entry'),
      IB_HOST: '127.0.0.1',
      IB_PORT: String(simulator.port),
      IB_ACCOUNT: MAIN_ACCOUNT,
      IB_CLIENT_ID: '21',
      CYCLE_INTERVAL_MS: '1000',
      HTTP_PORT: String(httpPort),
      FALLBACK_DIR: fallbackDir,
      LOG_LEVEL: 'info',
      // The image's schedule, but with the nightly window half a day away: the test must not depend on the time
      // of day it runs at (inside the default window the bridge would be resetting and write no rows).
      ...resetEnvAwayFrom(),
    };
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGKILL');
      await exited;
    }
    await connection?.close();
    await simulator?.close();
    await database?.drop();
    rmSync(fallbackDir, { recursive: true, force: true });
  });

  const probe = (port: number) =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [repoPath('deploy/worker/healthcheck.cjs')], {
        env: { PATH: env.PATH, HTTP_PORT: String(port) },
        stdio: 'ignore',
      });
      child.on('exit', (code) => resolve(code ?? -1));
    });

  const get = (path: string) =>
    fetch(`http://127.0.0.1:${httpPort}${path}`).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      (err: Error) => ({ status: 0, body: err.message }),
    );

  it('starts, becomes ready once the workflow cycles, and the HEALTHCHECK command says so', async () => {
    const [command, ...args] = execForm('CMD');
    expect([command, ...args]).toEqual(['node', '--import', 'tsx', 'src/worker.ts']);
    // The image's WORKDIR is the repository root; `node` there is this Node.
    worker = spawn(command === 'node' ? process.execPath : command, args, { cwd: PROJECT_ROOT, env });
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const child = worker;
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    try {
      // Up and serving before any workflow: a worker that holds no IB session is a ready standby.
      await eventually(
        () => get('/healthz'),
        (r) => r.status === 200,
        90_000,
        '/healthz',
      );

      const config = loadConfig(env);
      const handle = await client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: uniqueName('ibkr-bridge-entry'),
        args: [{ settings: settingsFromConfig(config, MAIN_ACCOUNT) }],
      });
      const sql = new PgClient({ connectionString: database.url });
      await sql.connect();
      try {
        const rowsOf = async () =>
          Number(
            (await sql.query('select count(*) from portfolio_greeks where workflow_id = $1', [handle.workflowId]))
              .rows[0].count,
          );
        await eventually(rowsOf, (n) => n >= 2, 60_000, 'rows written by the spawned worker');
      } finally {
        await sql.end();
      }
      const ready = await eventually(
        () => get('/readyz'),
        (r) => r.status === 200,
        30_000,
        '/readyz',
      );
      expect(ready.body).toBe('ready\n');
      expect(await probe(httpPort)).toBe(0);
      // The same command fails when nothing answers: it is a real check.
      expect(await probe(await freePort())).toBe(1);

      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      await handle.terminate('worker entry test done');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- worker output ---\n${output.slice(-4000)}`);
    }
  }, 180_000);

  it('stops on SIGTERM with exit code 0 within the compose stop_grace_period', async () => {
    expect(worker).not.toBeNull();
    const graceMs = durationMs(loadCompose().services.worker.stop_grace_period ?? '10s');
    worker?.kill('SIGTERM');
    const deadline = new Promise<'still running'>((resolve) => {
      const timer = setTimeout(() => resolve('still running'), graceMs);
      void exited.then(() => clearTimeout(timer));
    });
    const result = await Promise.race([exited, deadline]);
    expect({ result, output: result === 'still running' || result.code !== 0 ? output.slice(-2000) : '' }).toEqual({
      result: { code: 0, signal: null },
      output: '',
    });
    expect(output).toContain('worker stopped');
  }, 60_000);
});
