import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { startFakeClientPortal, type FakeClientPortal } from '../../src/sim/portal/fakeClientPortal';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { statusQuery } from '../../src/workflows/messages';
import { DEFAULT_SETTINGS, type BridgeSettings, type BridgeStatus } from '../../src/workflows/types';
import { fastSettings } from '../../harness/fastSettings';
import { eventually, sleep } from '../../harness/poll';
import { createScratchDatabase, type ScratchDatabase } from '../../harness/scratchDatabase';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../harness/tcpProxy';
import type { FaultContext } from './environment';
import type { FaultWindow } from './gridFigures';
import { apiLogSequence, snapshotLedger, type SnapshotLedger, type WorkflowRun } from './ledger';
import type { ScenarioReport } from './report';
import { WorkerProcess, type WorkerEnv } from './workerProcess';

export const BRIDGE_CLIENT_ID = 10;

/** How long a cycle may take on a loaded machine (its activity, the workflow task, the commit). */
const CYCLE_SLACK_MS = 3000;

/**
 * The settings of a scenario's workflow. The quick suite runs the tests' fast grid (0.5 s); the full run uses the
 * production defaults (5 s, the default cycle timeouts and retries), the interval the targets are set for. In both
 * the reset window is placed twelve hours from now, so no run depends on the time of day it starts at.
 */
export function scenarioSettings(
  quick: boolean,
  overrides: Partial<BridgeSettings> = {},
  now = Date.now(),
): BridgeSettings {
  const resetAt = new Date(now + 12 * 3600_000).toISOString().slice(11, 16);
  if (quick) return fastSettings({ reset: { time: resetAt, timeZone: 'UTC', durationMs: 1000 }, ...overrides });
  return {
    ...DEFAULT_SETTINGS,
    account: MAIN_ACCOUNT,
    reset: { ...DEFAULT_SETTINGS.reset, time: resetAt, timeZone: 'UTC' },
    ...overrides,
  };
}

export interface StackOptions {
  name: string;
  mode?: 'SOCKET' | 'PORTAL';
  /** Workers reach Postgres through a TCP proxy the scenario can cut, hang or slow down (harness/tcpProxy.ts). */
  proxyDatabase?: boolean;
  /** Another Temporal server than the run's (the temporal-restart scenario owns one). */
  temporalAddress?: string;
  /** An empty database (no schema): the workers' own migration must create the tables. */
  unmigrated?: boolean;
  /** The database the workers use, when a scenario needs its own role (e.g. one with a password). */
  workerDatabaseUrl?: (url: string) => string;
}

/**
 * The real parts of one scenario: a migrated scratch database, the TWS simulator (or the fake Client Portal)
 * in this process, worker processes started from the real entry point, and a Temporal client.
 */
export class FaultStack {
  database!: ScratchDatabase;
  sql!: PgClient;
  proxy?: TcpProxy;
  simulator!: TwsSimulator;
  portal?: FakeClientPortal;
  client!: Client;
  readonly workers: WorkerProcess[] = [];
  /** Faults injected so far, for the recovery figures. */
  readonly faults: FaultWindow[] = [];
  readonly taskQueue: string;
  private readonly runs = new Map<string, { settings: BridgeSettings; readyAt: number; firstRunId: string }>();
  readonly dir: string;
  private connection?: Connection;
  private caFile?: string;
  private workerCount = 0;

  private constructor(
    readonly ctx: FaultContext,
    readonly options: StackOptions,
  ) {
    this.taskQueue = `faults-${options.name}-${randomBytes(3).toString('hex')}`;
    this.dir = ctx.dir(options.name);
  }

  static async start(ctx: FaultContext, options: StackOptions): Promise<FaultStack> {
    const stack = new FaultStack(ctx, options);
    try {
      await stack.init();
      return stack;
    } catch (err) {
      await stack.close();
      throw err;
    }
  }

  private async init(): Promise<void> {
    this.database = this.options.unmigrated
      ? await createScratchDatabase(this.ctx.postgresUrl, `faults_${this.options.name}`)
      : await this.ctx.database(this.options.name);
    this.sql = new PgClient({ connectionString: this.database.url });
    await this.sql.connect();
    if (this.options.proxyDatabase) {
      const target = new URL(this.database.url);
      this.proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    }
    this.simulator = await startTwsSimulator({ port: 0, seed: 17, settings: { tickIntervalMs: 250 } });
    if (this.options.mode === 'PORTAL') {
      this.portal = await startFakeClientPortal({ tls: true, port: 0, seed: 17 });
      this.caFile = join(this.dir, 'portal-ca.pem');
      writeFileSync(this.caFile, this.portal.caPem ?? '');
    }
    await this.connectTemporal();
  }

  async connectTemporal(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    this.connection = await Connection.connect({ address: this.options.temporalAddress ?? this.ctx.temporalAddress });
    this.client = new Client({ connection: this.connection });
  }

  /** The database URL the workers get (through the proxy when there is one). */
  workerDatabaseUrl(): string {
    const url = this.options.workerDatabaseUrl?.(this.database.url) ?? this.database.url;
    return this.proxy ? viaProxy(url, this.proxy) : url;
  }

  /** Environment of a worker of this stack, as an operator would write it. */
  workerEnv(overrides: Partial<WorkerEnv> = {}): WorkerEnv {
    this.workerCount += 1;
    const mode = this.options.mode ?? 'SOCKET';
    return {
      DATABASE_URL: this.workerDatabaseUrl(),
      TEMPORAL_ADDRESS: this.options.temporalAddress ?? this.ctx.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      FALLBACK_DIR: join(this.dir, `buffer-${this.workerCount}`),
      IB_API_MODE: mode,
      IB_ACCOUNT: MAIN_ACCOUNT,
      IB_CLIENT_ID: String(BRIDGE_CLIENT_ID),
      ...(mode === 'SOCKET'
        ? { IB_HOST: '127.0.0.1', IB_PORT: String(this.simulator.port) }
        : { IB_PORTAL_URL: this.portal?.url, IB_PORTAL_CA_FILE: this.caFile }),
      ...overrides,
    };
  }

  /** Spawns a worker and waits until /healthz answers. */
  async startWorker(overrides: Partial<WorkerEnv> = {}): Promise<WorkerProcess> {
    const env = this.workerEnv(overrides);
    const worker = await WorkerProcess.spawn(env, join(this.dir, `worker-${this.workers.length + 1}.log`));
    this.workers.push(worker);
    await worker.waitHealthy();
    return worker;
  }

  liveWorkers(): WorkerProcess[] {
    return this.workers.filter((worker) => worker.alive());
  }

  /** Every buffer directory a worker of this stack used, each once (a restarted worker keeps its directory). */
  bufferDirs(): string[] {
    return [...new Set(this.workers.map((worker) => worker.env.FALLBACK_DIR))];
  }

  /** Starts the bridge workflow; its grid is counted from this moment (the workers are healthy by now). */
  async startWorkflow(overrides: Partial<BridgeSettings> = {}): Promise<WorkflowHandle<typeof ibkrBridge>> {
    const settings = scenarioSettings(this.ctx.quick, overrides);
    const readyAt = Date.now();
    const handle = await this.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue: this.taskQueue,
      workflowId: `faults-${this.options.name}-${randomBytes(4).toString('hex')}`,
      args: [{ settings }],
    });
    this.runs.set(handle.workflowId, { settings, readyAt, firstRunId: handle.firstExecutionRunId });
    return handle;
  }

  /** The settings a workflow of this stack was started with. */
  settingsOf(handle: WorkflowHandle): BridgeSettings {
    const run = this.runs.get(handle.workflowId);
    if (!run) throw new Error(`workflow ${handle.workflowId} was not started by this stack`);
    return run.settings;
  }

  /**
   * When the workflow's grid began: its first workflow task, whose time is the workflow's `Date.now()` and so its
   * `gridStart`. No slot exists before it, however long the start took on a loaded machine. Null if unknown.
   */
  private async gridStartOf(workflowId: string, firstRunId: string): Promise<number | null> {
    try {
      const history = await this.client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
      const time = history.events?.find((event) => event.workflowTaskStartedEventAttributes)?.eventTime;
      if (!time) return null;
      const seconds = typeof time.seconds === 'number' ? time.seconds : Number(String(time.seconds ?? 0));
      return seconds * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
    } catch {
      return null;
    }
  }

  /** Records a fault from `start` to `end` (a kill: the same instant), for the recovery figures. */
  markFault(label: string, start: number, end = start): void {
    this.faults.push({ label, start, end });
  }

  status(handle: WorkflowHandle): Promise<BridgeStatus> {
    return handle.query(statusQuery);
  }

  /** The worker holding the IB session, from the workflow's session queue (`<queue>@<host>-<pid>-<hex>`). */
  async holder(handle: WorkflowHandle): Promise<WorkerProcess | undefined> {
    const status = await this.status(handle).catch(() => null);
    const pid = Number(status?.sessionQueue?.split('-').slice(-2)[0]);
    return this.workers.find((worker) => worker.alive() && worker.pid === pid);
  }

  async rowCount(workflowId?: string): Promise<number> {
    const result = workflowId
      ? await this.sql.query('select count(*)::int as n from portfolio_greeks where workflow_id = $1', [workflowId])
      : await this.sql.query('select count(*)::int as n from portfolio_greeks');
    return result.rows[0].n as number;
  }

  /** The newest row's coverage and age. */
  async latestRow(workflowId: string): Promise<{ coverage: number; slotAt: number; writtenAt: number } | null> {
    const result = await this.sql.query(
      `select coverage::float8 as coverage, cycle_key, written_at from portfolio_greeks where workflow_id = $1
       order by snapshot_at desc limit 1`,
      [workflowId],
    );
    const row = result.rows[0];
    if (!row) return null;
    return {
      coverage: row.coverage,
      slotAt: Number(String(row.cycle_key).slice(workflowId.length + 1)),
      writtenAt: new Date(row.written_at).getTime(),
    };
  }

  /**
   * Waits for a row whose slot starts at or after `after` with at least `minCoverage`: with a short
   * GREEKS_MAX_AGE_MS, that row proves the subscriptions deliver fresh Greeks again. Returns how long it took.
   */
  async waitFreshRow(workflowId: string, after: number, minCoverage: number, timeoutMs = 120_000): Promise<number> {
    await eventually(
      () => this.latestRow(workflowId),
      (row) => row !== null && row.slotAt >= after && row.coverage >= minCoverage,
      timeoutMs,
      `a row after ${new Date(after).toISOString()} with coverage >= ${minCoverage}`,
    );
    return Date.now() - after;
  }

  /** Waits for the workflow's first `count` rows, before any fault is injected. */
  waitForRows(workflowId: string, count: number, what: string): Promise<number> {
    return eventually(
      () => this.rowCount(workflowId),
      (n) => n >= count,
      90_000,
      what,
    );
  }

  /** Waits for `more` rows beyond those written by now: cycles run again after a fault. */
  async waitForMoreRows(workflowId: string, more: number, timeoutMs: number, what: string): Promise<number> {
    const rows = await this.rowCount(workflowId);
    return eventually(
      () => this.rowCount(workflowId),
      (n) => n >= rows + more,
      timeoutMs,
      what,
    );
  }

  /**
   * Refuses Postgres at the proxy and waits until the workflow counts `rows` buffered rows; returns when the cut
   * began. The wait allows for a cycle's timeouts at the workflow's interval.
   */
  async cutDatabaseUntilBuffered(handle: WorkflowHandle, rows: number, what = 'rows buffered'): Promise<number> {
    if (!this.proxy) throw new Error(`stack ${this.options.name} has no database proxy (proxyDatabase: true)`);
    const { intervalMs } = this.settingsOf(handle);
    this.proxy.block();
    const cutAt = Date.now();
    await eventually(
      () => this.status(handle),
      (status) => status.bufferedRows >= rows,
      60_000 + 5 * intervalMs,
      what,
    );
    return cutAt;
  }

  /** Whether, within `timeoutMs`, the buffer is empty and a cycle has been written since `since`. */
  replayedSince(handle: WorkflowHandle, since: number, what: string, timeoutMs = 180_000): Promise<boolean> {
    return eventually(
      () => this.status(handle),
      (status) => status.bufferedRows === 0 && status.lastOkAt !== null && Date.parse(status.lastOkAt) >= since,
      timeoutMs,
      what,
    ).then(
      () => true,
      () => false,
    );
  }

  /** Coverage of the newest rows: what a healthy cycle reaches with this portfolio. */
  async steadyCoverage(workflowId: string, rows = 5): Promise<number> {
    const result = await this.sql.query(
      `select min(coverage)::float8 as min from (select coverage from portfolio_greeks where workflow_id = $1
       order by snapshot_at desc limit $2) newest`,
      [workflowId, rows],
    );
    return result.rows[0].min as number;
  }

  /** Stops the workflow, then counts its snapshots and adds them and the api_logs sequence to the report. */
  async finish(handle: WorkflowHandle, report: ScenarioReport, label = ''): Promise<SnapshotLedger> {
    const endedAt = Date.now();
    await handle.terminate('fault scenario done').catch(() => undefined);
    // A cycle activity already running may still commit its row; let it land before counting.
    await sleep(1500);
    const known = this.runs.get(handle.workflowId);
    const settings = known?.settings ?? scenarioSettings(this.ctx.quick);
    const gridStart = known ? await this.gridStartOf(handle.workflowId, known.firstRunId) : null;
    // The first counted slot is the grid's first (half an interval absorbs a clock read a millisecond late).
    const readyAt = gridStart !== null ? gridStart - settings.intervalMs / 2 : (known?.readyAt ?? endedAt);
    // The last few slots before the end may still have been in flight: they count neither way.
    const run: WorkflowRun = {
      workflowId: handle.workflowId,
      settings,
      readyAt,
      until: endedAt - CYCLE_SLACK_MS - settings.intervalMs,
      faults: this.faults,
    };
    const ledger = await snapshotLedger(this.sql, run, this.bufferDirs());
    report.addLedger(ledger, label);
    const logs = await apiLogSequence(this.sql);
    report.apiLogs = [report.apiLogs, label ? `${label}: ${logs.sequence}` : logs.sequence].filter(Boolean).join(' ‖ ');
    for (const [event, count] of Object.entries(logs.counts)) {
      report.apiLogCounts[event] = (report.apiLogCounts[event] ?? 0) + count;
    }
    return ledger;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop().catch(() => undefined)));
    await this.connection?.close().catch(() => undefined);
    await this.sql?.end().catch(() => undefined);
    await this.proxy?.close();
    await this.simulator?.close();
    await this.portal?.close();
    await this.database?.drop().catch(() => undefined);
  }
}
