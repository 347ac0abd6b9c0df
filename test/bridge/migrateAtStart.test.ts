import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client as PgClient } from 'pg';
import { freePort } from '../../src/infra/freePort';
import { stopChild } from '../../src/infra/temporalServer';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../harness/tcpProxy';
import { connectTestEnv, temporalAddress, uniqueName } from '../support/temporal';
import { eventually, fastSettings } from './stack';

const ROOT = join(__dirname, '..', '..');

describe('a worker started while Postgres is unreachable', () => {
  let env: TestWorkflowEnvironment;
  let simulator: TwsSimulator;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let sql: PgClient;
  let worker: ChildProcess;
  const output: string[] = [];
  const bufferDir = mkdtempSync(join(tmpdir(), 'bridge-migrate-'));

  beforeAll(async () => {
    env = await connectTestEnv();
    simulator = await startTwsSimulator({ port: 0, seed: 5, settings: { tickIntervalMs: 250 } });
    database = await createTestDatabase('migrate_at_start'); // empty: no schema at all
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    sql = new PgClient({ connectionString: database.url });
    await sql.connect();
  });

  afterAll(async () => {
    if (worker) await stopChild(worker, 15_000);
    await sql?.end();
    await proxy?.close();
    await simulator?.close();
    await database?.drop();
    await env?.teardown();
    rmSync(bufferDir, { recursive: true, force: true });
  });

  it('migrates as soon as Postgres answers, is not ready before, and writes its rows after', async () => {
    proxy.block();
    const httpPort = await freePort();
    const taskQueue = uniqueName('migrate-at-start');
    worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: viaProxy(database.url, proxy),
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        IB_HOST: '127.0.0.1',
        IB_PORT: String(simulator.port),
        IB_ACCOUNT: MAIN_ACCOUNT,
        HTTP_PORT: String(httpPort),
        FALLBACK_DIR: bufferDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (chunk) => output.push(String(chunk)));
    worker.stderr?.on('data', (chunk) => output.push(String(chunk)));
    const readyz = () =>
      fetch(`http://127.0.0.1:${httpPort}/readyz`)
        .then(async (r) => ({ status: r.status, body: await r.text() }))
        .catch(() => ({ status: 0, body: '' }));

    const notReady = await eventually(readyz, (r) => r.status !== 0, 60_000, 'the worker’s HTTP server');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/^schema: /m);
    const handle = await env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue,
      workflowId: uniqueName('ibkr-bridge-migrate'),
      args: [{ settings: fastSettings() }],
    });

    proxy.unblock();
    await eventually(
      async () => (await sql.query("select to_regclass('public.portfolio_greeks') as t")).rows[0].t,
      (table) => table !== null,
      60_000,
      `the schema (worker output: ${output.join('').slice(-400)})`,
    );
    await eventually(readyz, (r) => !/^schema: /m.test(r.body), 30_000, 'the schema check passing');
    await eventually(
      async () => Number((await sql.query('select count(*) as n from portfolio_greeks')).rows[0].n),
      (n) => n >= 3,
      60_000,
      'rows written after the migration',
    );
    await handle.terminate('test done');
  }, 240_000);
});
