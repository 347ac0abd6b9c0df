import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client as PgClient } from 'pg';
import { migrate } from '../../src/db';
import { freePort } from '../../src/infra/freePort';
import { stopChild } from '../../src/infra/temporalServer';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { statusQuery } from '../../src/workflows/messages';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, connectTestEnv, temporalAddress, uniqueName } from '../support/temporal';
import { replayAndRecord } from '../../harness/recordHistory';
import { eventually, fastSettings } from './stack';

const ROOT = join(__dirname, '..', '..');

interface WorkerProcess {
  child: ChildProcess;
  httpPort: number;
  output: string[];
}

describe('two worker processes on one task queue', () => {
  let env: TestWorkflowEnvironment;
  let simulator: TwsSimulator;
  let database: TestDatabase;
  let sql: PgClient;
  const workers: WorkerProcess[] = [];
  const taskQueue = uniqueName('failover');
  const bufferDir = mkdtempSync(join(tmpdir(), 'bridge-failover-'));
  let maxConnections = 0;
  let watcher: NodeJS.Timeout;

  async function startWorker(): Promise<WorkerProcess> {
    const httpPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        IB_HOST: '127.0.0.1',
        IB_PORT: String(simulator.port),
        IB_ACCOUNT: MAIN_ACCOUNT,
        HTTP_PORT: String(httpPort),
        FALLBACK_DIR: join(bufferDir, String(httpPort)),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (chunk) => output.push(String(chunk)));
    child.stderr?.on('data', (chunk) => output.push(String(chunk)));
    const worker = { child, httpPort, output };
    workers.push(worker);
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${httpPort}/healthz`)
          .then((r) => r.status)
          .catch(() => 0),
      (status) => status === 200,
      60_000,
      `worker on ${httpPort} up (output: ${output.join('').slice(-500)})`,
    );
    return worker;
  }

  beforeAll(async () => {
    env = await connectTestEnv();
    simulator = await startTwsSimulator({ port: 0, seed: 11, settings: { tickIntervalMs: 250 } });
    database = await createTestDatabase('failover');
    await migrate(database.url);
    sql = new PgClient({ connectionString: database.url });
    await sql.connect();
    // Sample the simulator's sessions all along: two connections with the bridge's client id must never coexist.
    watcher = setInterval(() => {
      const bridgeSessions = simulator.sessions().filter((s) => s.clientId === 10).length;
      maxConnections = Math.max(maxConnections, bridgeSessions);
    }, 20);
    await Promise.all([startWorker(), startWorker()]);
  }, 120_000);

  afterAll(async () => {
    clearInterval(watcher);
    await Promise.all(workers.map((w) => stopChild(w.child, 15_000)));
    await sql?.end();
    await simulator?.close();
    await database?.drop();
    await env?.teardown();
    rmSync(bufferDir, { recursive: true, force: true });
  });

  it('keeps one IB connection, and a SIGKILL of its holder hands the session to the other worker', async () => {
    const handle = await env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue,
      workflowId: uniqueName('ibkr-bridge-failover'),
      args: [{ settings: fastSettings({ sessionScheduleToStartMs: 3000 }) }],
    });
    const rowCount = async () => Number((await sql.query('select count(*) as n from portfolio_greeks')).rows[0].n);
    await eventually(rowCount, (n) => n >= 4, 60_000, 'rows from the first holder');
    const before = await handle.query(statusQuery);
    const holderPid = Number(before.sessionQueue?.split('-').slice(-2)[0]);
    const holder = workers.find((w) => w.child.pid === holderPid);
    expect(holder).toBeDefined();

    holder!.child.kill('SIGKILL');
    const rowsAtKill = await rowCount();
    await eventually(rowCount, (n) => n >= rowsAtKill + 4, 90_000, 'rows from the second worker');
    const after = await handle.query(statusQuery);
    expect(after.sessionQueue).not.toBe(before.sessionQueue);
    expect(Number(after.sessionQueue?.split('-').slice(-2)[0])).not.toBe(holderPid);
    expect(maxConnections).toBe(1);
    const keys = (await sql.query('select cycle_key from portfolio_greeks')).rows.map((r) => r.cycle_key);
    expect(new Set(keys).size).toBe(keys.length);
    await handle.terminate('test done');
  }, 180_000);

  it('a SIGTERM of its holder hands the session over after its last cycle: no slot lost, one IB connection', async () => {
    const [standby] = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(standby).toBeDefined();
    await startWorker();
    const workflowId = uniqueName('ibkr-bridge-handover');
    // Slots 3 s apart: the handover happens right after a cycle, leaving the next worker most of that to connect.
    const handle = await env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue,
      workflowId,
      args: [{ settings: fastSettings({ intervalMs: 3000 }) }],
    });
    const rowsOf = async () =>
      Number(
        (await sql.query('select count(*) as n from portfolio_greeks where cycle_key like $1', [`${workflowId}:%`]))
          .rows[0].n,
      );
    await eventually(rowsOf, (n) => n >= 2, 60_000, 'rows from the first holder');
    const before = await handle.query(statusQuery);
    const holderPid = Number(before.sessionQueue?.split('-').slice(-2)[0]);
    const holder = workers.find((w) => w.child.pid === holderPid);
    expect(holder).toBeDefined();
    const exited = new Promise<number | null>((resolve) => holder!.child.once('exit', (code) => resolve(code)));

    // Slots before the stop may be lost while the workflow's first grant waits for the worker that holds the lease
    // (lease_unavailable): the handover is judged from the SIGTERM on.
    const stoppedAt = Date.now();
    holder!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const rowsAtStop = await rowsOf();
    await eventually(rowsOf, (n) => n >= rowsAtStop + 3, 60_000, 'rows from the next holder');
    const after = await handle.query(statusQuery);
    expect(Number(after.sessionQueue?.split('-').slice(-2)[0])).not.toBe(holderPid);
    expect(maxConnections).toBe(1);

    const events = (
      await sql.query<{ event: string; details: Record<string, unknown> }>(
        "select event, details from api_logs where event in ('session_handover', 'cycles_skipped')",
      )
    ).rows;
    expect(events.filter((e) => e.event === 'session_handover')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ cycleEnded: true, workflows: expect.arrayContaining([workflowId]) }),
      }),
    ]);
    // Only a machine too busy to keep time may cost this workflow a slot; a handover never does.
    const lost = events.filter(
      (e) =>
        e.event === 'cycles_skipped' &&
        Date.parse(String(e.details.to)) > stoppedAt &&
        !['overrun', 'temporal_unavailable'].includes(String(e.details.reason)),
    );
    expect(lost).toEqual([]);
    // The handover's commands replay, and (RECORD_HISTORIES=1) become a fixture every later build must replay.
    await replayAndRecord(await bundleWorkflows(), handle, 'session-handover');
    await handle.terminate('test done');
  }, 180_000);
});
