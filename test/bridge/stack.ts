import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { createSocketBroker } from '../../src/broker/socket';
import { createPortalBroker } from '../../src/broker/portal';
import { startFakeClientPortal, type FakeClientPortal } from '../../src/sim/portal/fakeClientPortal';
import type { Broker } from '../../src/broker/types';
import { createFallbackBuffer } from '../../src/buffer';
import { applyRetention, classifyDbError, createDb, migrate, type Db } from '../../src/db';
import { startTwsSimulator, type SimulatorSettings, type TwsSimulator } from '../../src/sim/tws';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { createBridgeWorkers, type BridgeWorkers } from '../../src/worker/createWorkers';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { DEFAULT_SETTINGS, type BridgeSettings } from '../../src/workflows/types';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { resetWindowAwayFrom } from '../support/resetWindow';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import {
  startTcpProxy as startHangableProxy,
  viaPort,
  type TcpProxy as HangableProxy,
} from '../buffer/support/tcpProxy';
import { bufferIdentity } from '../../src/worker/bufferIdentity';
import { BridgeMetrics } from '../../src/observability/metrics';
import { bundleWorkflows, connectTestEnv, uniqueName } from '../support/temporal';

/** Settings at test speed: a cycle every 500 ms, and a reset window far away unless a test asks for one. */
export function fastSettings(overrides: Partial<BridgeSettings> = {}): BridgeSettings {
  return {
    ...DEFAULT_SETTINGS,
    account: MAIN_ACCOUNT,
    intervalMs: 500,
    cycleTimeoutMs: 2000,
    cycleAttempts: 2,
    cycleRetryMs: 200,
    sessionScheduleToStartMs: 5000,
    reset: resetWindowAwayFrom(),
    ...overrides,
  };
}

/**
 * One worker process's worth of real parts: the TWS simulator on a socket, the SOCKET adapter, a fresh
 * database reached through a TCP proxy (so a test can take Postgres away), the JSONL buffer, and the
 * bridge's two Temporal workers.
 */
export class BridgeStack {
  simulator!: TwsSimulator;
  portal?: FakeClientPortal;
  broker!: Broker;
  database!: TestDatabase;
  proxy!: TcpProxy;
  /** A second hop between the worker and `proxy` that can stop forwarding without closing: a database that hangs. */
  hangable!: HangableProxy;
  workerMetrics = new BridgeMetrics();
  db!: Db;
  sql!: PgClient;
  workers!: BridgeWorkers;
  taskQueue = uniqueName('bridge');
  workDir = mkdtempSync(join(tmpdir(), 'bridge-stack-'));
  bufferDir = join(this.workDir, 'buffer');
  private running: Promise<void> | null = null;

  constructor(
    private readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundleWithSourceMap,
    private readonly mode: 'SOCKET' | 'PORTAL' = 'SOCKET',
    private readonly simulatorSettings: Partial<SimulatorSettings> = {},
    /** The worker's database timeouts; `defaults` keeps createDb's own (what a deployed worker runs with). */
    private readonly dbTimeouts: 'test' | 'defaults' = 'test',
  ) {}

  async start(): Promise<this> {
    this.simulator = await startTwsSimulator({
      port: 0,
      seed: 7,
      settings: { tickIntervalMs: 200, ...this.simulatorSettings },
    });
    this.database = await createTestDatabase('bridge');
    await migrate(this.database.url);
    const target = new URL(this.database.url);
    this.proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    this.hangable = await startHangableProxy('127.0.0.1', this.proxy.port);
    this.db = createDb({
      url: viaPort(this.database.url, this.hangable.port),
      ...(this.dbTimeouts === 'test' ? { statementTimeoutMs: 1000, connectionTimeoutMs: 1000 } : {}),
    });
    this.sql = new PgClient({ connectionString: this.database.url });
    await this.sql.connect();
    this.broker = await this.createBroker();
    this.workers = await this.createWorkers();
    this.running = this.workers.run();
    return this;
  }

  /** Stops this stack's workers (nothing polls the task queues) for `downMs`, then starts new ones. */
  async restartWorkers(downMs: number): Promise<void> {
    await this.workers.shutdown();
    await this.running?.catch(() => undefined);
    await sleep(downMs);
    this.workers = await this.createWorkers();
    this.running = this.workers.run();
  }

  private async createWorkers(): Promise<BridgeWorkers> {
    return createBridgeWorkers({
      connection: this.env.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: this.bundle,
      databaseUrl: this.database.url,
      clientId: 10,
      broker: this.broker,
      store: this.db,
      buffer: createFallbackBuffer({ dir: this.bufferDir }),
      classifyDbError,
      applyRetention: (days) => applyRetention(this.db, days),
      aggregateOptions: () => ({ maxAgeMs: 15_000 }),
      reconnectTimeoutMs: 10_000,
      shutdownGraceMs: 2000,
      observer: this.workerMetrics,
      bufferId: await bufferIdentity(this.bufferDir),
      probeDatabase: () => this.db.ping(),
      bufferReplayIntervalMs: 500,
    });
  }

  /** SOCKET: the real @stoqey/ib client on the TWS simulator. PORTAL: the HTTPS adapter on the fake Client Portal. */
  private async createBroker(): Promise<Broker> {
    if (this.mode === 'PORTAL') {
      this.portal = await startFakeClientPortal({ tls: true, port: 0, seed: 7 });
      const caFile = join(this.workDir, 'portal-ca.pem');
      writeFileSync(caFile, this.portal.caPem ?? '');
      return createPortalBroker({
        baseUrl: this.portal.url,
        caFile,
        account: MAIN_ACCOUNT,
        snapshotPollIntervalMs: 250,
      });
    }
    return createSocketBroker({
      host: '127.0.0.1',
      port: this.simulator.port,
      clientId: 10,
      account: MAIN_ACCOUNT,
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 500,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 3000,
    });
  }

  startWorkflow(settings: BridgeSettings = fastSettings()): Promise<WorkflowHandle<typeof ibkrBridge>> {
    return this.env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue: this.taskQueue,
      workflowId: uniqueName('ibkr-bridge-test'),
      args: [{ settings }],
    });
  }

  async rows(): Promise<Array<{ cycle_key: string; snapshot_at: Date; net_delta: number; coverage: number }>> {
    const result = await this.sql.query(
      'select cycle_key, snapshot_at, net_delta::float8 as net_delta, coverage::float8 as coverage from portfolio_greeks order by snapshot_at',
    );
    return result.rows;
  }

  async apiEvents(): Promise<Array<{ event: string; message: string; details: Record<string, unknown> | null }>> {
    const result = await this.sql.query('select event, message, details from api_logs order by logged_at, id');
    return result.rows;
  }

  /**
   * Replays the workflow's history against the current workflow code (a determinism check on every run) and,
   * with RECORD_HISTORIES=1, stores it as a fixture for test/replay.
   */
  async replayAndRecord(handle: WorkflowHandle, fixtureName: string): Promise<number> {
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: this.bundle }, history, handle.workflowId);
    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(join(__dirname, '..', 'replay', 'histories', `${fixtureName}.json`), historyToJSON(history));
    }
    return history.events?.length ?? 0;
  }

  async stop(): Promise<void> {
    await this.workers?.shutdown().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.broker?.stop();
    await this.db?.close();
    await this.sql?.end();
    await this.hangable?.close();
    await this.proxy?.close();
    await this.simulator?.close();
    await this.portal?.close();
    await this.database?.drop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Polls until the predicate holds; fails with the last observed value after timeoutMs. */
export async function eventually<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!predicate(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers a whole stack for the calling test file (started before its tests, stopped after) and returns it. */
export function useBridgeStack(
  mode: 'SOCKET' | 'PORTAL' = 'SOCKET',
  simulatorSettings: Partial<SimulatorSettings> = {},
  dbTimeouts: 'test' | 'defaults' = 'test',
): {
  stack: BridgeStack;
  env: TestWorkflowEnvironment;
} {
  const context = {} as { stack: BridgeStack; env: TestWorkflowEnvironment };
  beforeAll(async () => {
    context.env = await connectTestEnv();
    context.stack = await new BridgeStack(
      context.env,
      await bundleWorkflows(),
      mode,
      simulatorSettings,
      dbTimeouts,
    ).start();
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.env?.teardown();
  });
  return context;
}
