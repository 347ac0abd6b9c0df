import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { createPortalBroker } from '../src/broker/portal';
import { createSocketBroker, type SocketBrokerOptions } from '../src/broker/socket';
import type { Broker } from '../src/broker/types';
import { createDb, migrate, type Db } from '../src/db';
import { BridgeMetrics } from '../src/observability/metrics';
import { MAIN_ACCOUNT } from '../src/sim/model';
import { startFakeClientPortal, type FakeClientPortal } from '../src/sim/portal/fakeClientPortal';
import { startTwsSimulator, type SimulatorSettings, type TwsSimulator } from '../src/sim/tws';
import type { BridgeWorkerOptions, BridgeWorkers } from '../src/worker/createWorkers';
import type { ibkrBridge } from '../src/workflows/bridge';
import { statusQuery } from '../src/workflows/messages';
import type { BridgeSettings, BridgeStatus } from '../src/workflows/types';
import { createInProcessWorkers } from './bridgeWorkers';
import { fastSettings } from './fastSettings';
import { eventually, sleep } from './poll';
import { replayAndRecord } from './recordHistory';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase';
import { startHangableProxy, viaPort, type HangableProxy } from './hangableProxy';
import { startTcpProxy, type TcpProxy } from './tcpProxy';

export interface BridgeStackOptions {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  /** The PostgreSQL server the stack makes its own database on. */
  postgresUrl: string;
  mode?: 'SOCKET' | 'PORTAL';
  simulatorSettings?: Partial<SimulatorSettings>;
  /** The worker's database timeouts; `defaults` keeps createDb's own (what a deployed worker runs with). */
  dbTimeouts?: 'test' | 'defaults';
  /** SOCKET adapter options beyond the test defaults (e.g. a beta benchmark). */
  broker?: Partial<SocketBrokerOptions>;
  /** Worker options beyond the test defaults (e.g. the alert webhook, betas, the observer). */
  workers?: Partial<BridgeWorkerOptions>;
}

/**
 * One worker process's worth of real parts: the TWS simulator on a socket, the SOCKET adapter, a fresh
 * database reached through a TCP proxy (so a caller can take Postgres away), the JSONL buffer, and the
 * bridge's two Temporal workers.
 */
export class BridgeStack {
  simulator!: TwsSimulator;
  portal?: FakeClientPortal;
  broker!: Broker;
  database!: ScratchDatabase;
  proxy!: TcpProxy;
  /** A second hop between the worker and `proxy` that can stop forwarding without closing: a database that hangs. */
  hangable!: HangableProxy;
  workerMetrics = new BridgeMetrics();
  db!: Db;
  sql!: PgClient;
  workers!: BridgeWorkers;
  taskQueue = `bridge-${randomBytes(4).toString('hex')}`;
  workDir = mkdtempSync(join(tmpdir(), 'bridge-stack-'));
  bufferDir = join(this.workDir, 'buffer');
  private running: Promise<void> | null = null;

  constructor(private readonly options: BridgeStackOptions) {}

  get env(): TestWorkflowEnvironment {
    return this.options.env;
  }

  async start(): Promise<this> {
    this.simulator = await startTwsSimulator({
      port: 0,
      seed: 7,
      settings: { tickIntervalMs: 200, ...this.options.simulatorSettings },
    });
    this.database = await createScratchDatabase(this.options.postgresUrl, 'bridge');
    await migrate(this.database.url);
    const target = new URL(this.database.url);
    this.proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    this.hangable = await startHangableProxy('127.0.0.1', this.proxy.port);
    this.db = createDb({
      url: viaPort(this.database.url, this.hangable.port),
      ...(this.options.dbTimeouts === 'defaults' ? {} : { statementTimeoutMs: 1000, connectionTimeoutMs: 1000 }),
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

  private createWorkers(): Promise<BridgeWorkers> {
    return createInProcessWorkers(
      {
        connection: this.env.nativeConnection,
        taskQueue: this.taskQueue,
        workflowBundle: this.options.bundle,
        databaseUrl: this.database.url,
        broker: this.broker,
        db: this.db,
        bufferDir: this.bufferDir,
      },
      { observer: this.workerMetrics, ...this.options.workers },
    );
  }

  /** SOCKET: the real @stoqey/ib client on the TWS simulator. PORTAL: the HTTPS adapter on the fake Client Portal. */
  private async createBroker(): Promise<Broker> {
    if (this.options.mode === 'PORTAL') {
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
      ...this.options.broker,
    });
  }

  startWorkflow(settings: BridgeSettings = fastSettings()): Promise<WorkflowHandle<typeof ibkrBridge>> {
    return this.env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue: this.taskQueue,
      workflowId: `ibkr-bridge-test-${randomBytes(4).toString('hex')}`,
      args: [{ settings }],
    });
  }

  async rows(): Promise<Array<{ cycle_key: string; snapshot_at: Date; net_delta: number; coverage: number }>> {
    const result = await this.sql.query(
      'select cycle_key, snapshot_at, net_delta::float8 as net_delta, coverage::float8 as coverage from portfolio_greeks order by snapshot_at',
    );
    return result.rows;
  }

  /** Slot instants of the rows one workflow wrote, in order. */
  async slotsOf(workflowId: string): Promise<number[]> {
    return (await this.rows())
      .filter((row) => row.cycle_key.startsWith(`${workflowId}:`))
      .map((row) => Number(row.cycle_key.split(':').pop()))
      .sort((a, b) => a - b);
  }

  /** Waits until the workflow has written at least `count` rows; returns their slots. */
  waitForSlots(workflowId: string, count: number, timeoutMs = 20_000, what = 'rows'): Promise<number[]> {
    return eventually(
      () => this.slotsOf(workflowId),
      (slots) => slots.length >= count,
      timeoutMs,
      what,
    );
  }

  /** Takes Postgres away (connections reset, new ones refused) and waits until the workflow buffers `rows`. */
  async cutDatabaseUntilBuffered(handle: WorkflowHandle, rows: number): Promise<BridgeStatus> {
    this.proxy.block();
    return eventually(
      () => handle.query(statusQuery),
      (status) => status.bufferedRows >= rows,
      30_000,
      'rows buffered',
    );
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
    return replayAndRecord(this.options.bundle, handle, fixtureName);
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
