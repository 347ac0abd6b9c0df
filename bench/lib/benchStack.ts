import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities/ports';
import { createSocketBroker, type SocketBroker } from '../../src/broker/socket';
import { createFallbackBuffer } from '../../src/buffer';
import { applyRetention, classifyDbError, createDb, type Db } from '../../src/db';
import type { BridgeWorkers } from '../../src/worker/createWorkers';
import { createInProcessWorkers } from '../../harness/bridgeWorkers';
import type { StreamMode } from '../../src/sim/tws';
import { CommitRecorder } from './commitRecorder';
import { CycleRecorder, preciseClock } from './cycleRecorder';
import { BENCH_ACCOUNT, benchPortfolio, linesNeeded } from './portfolio';
import { startSimulatorProcess, type SimulatorProcess } from './simulatorProcess';

export interface BenchStackOptions {
  options: number;
  databaseUrl: string;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue: string;
  clientId: number;
  tickIntervalMs: number;
  /** How the simulator writes each tick interval's updates (docs/simulator.md): spread as a gateway, or round. */
  streamMode: StreamMode;
}

/** How long a Greek may be old before the aggregate leaves it out; the worker's default configuration. */
const MAX_GREEK_AGE_MS = 15_000;

/**
 * One portfolio size's real parts: the TWS simulator (child process) with `options` option positions, the
 * SOCKET adapter with production defaults (request pacing, 1 s reconnect backoff), the Postgres pool, the
 * JSONL buffer, and the bridge's two Temporal workers in this process, observed by a CycleRecorder.
 */
export class BenchStack {
  simulator!: SimulatorProcess;
  broker!: SocketBroker;
  db!: Db;
  workers!: BridgeWorkers;
  /** Cycles run by the Temporal worker. */
  readonly temporalCycles = new CycleRecorder();
  /** Cycles run by the in-process baseline loop. */
  readonly baselineCycles = new CycleRecorder();
  /** Every snapshot row committed, by either loop, with its slot: row committed − slot instant. */
  readonly commits = new CommitRecorder();
  readonly account = BENCH_ACCOUNT;
  private readonly bufferDir = mkdtempSync(join(tmpdir(), 'bench-buffer-'));
  private running: Promise<void> | null = null;
  /** Requests the simulator refused with error 100 (over 50 in a sliding second, as they arrived) during the load. */
  loadPacingViolations = 0;

  constructor(private readonly options: BenchStackOptions) {}

  /** Starts everything and resolves once every option has fresh Greeks; returns the seconds that took. */
  async start(): Promise<number> {
    const lines = linesNeeded(this.options.options) + 10;
    this.simulator = await startSimulatorProcess({
      seed: 5,
      portfolio: benchPortfolio(this.options.options),
      settings: { lineLimit: lines, tickIntervalMs: this.options.tickIntervalMs, streamMode: this.options.streamMode },
    });
    this.db = createDb({ url: this.options.databaseUrl });
    const started = Date.now();
    this.broker = createSocketBroker({
      host: this.simulator.host,
      port: this.simulator.port,
      clientId: this.options.clientId,
      account: BENCH_ACCOUNT,
      maxMarketDataLines: lines,
    });
    this.broker.start();
    await this.broker.waitUntilReady(30_000);
    try {
      await this.waitForFreshGreeks(started, 300_000);
    } catch (error) {
      // Say what the simulator saw: a refused request (error 100 or 101) is a line that never streams.
      const { counters, linesInUse } = await this.simulator.status();
      const refused = `pacingViolations ${counters.pacingViolations ?? 0}, error101 ${counters.error101 ?? 0}`;
      throw new Error(`${(error as Error).message} (simulator: ${linesInUse} lines streaming, ${refused})`);
    }
    this.loadPacingViolations = (await this.simulator.status()).counters.pacingViolations ?? 0;
    this.workers = await createInProcessWorkers(
      {
        connection: this.options.connection,
        taskQueue: this.options.taskQueue,
        workflowBundle: this.options.bundle,
        databaseUrl: this.options.databaseUrl,
        broker: this.broker,
        db: this.db,
        bufferDir: this.bufferDir,
        clientId: this.options.clientId,
      },
      // The deployed worker's buffer check interval, so the figures measure what production runs.
      { ...this.activityDeps(this.temporalCycles), bufferReplayIntervalMs: 5000 },
    );
    this.running = this.workers.run();
    return (Date.now() - started) / 1000;
  }

  /** The worker's activity dependencies, as src/worker.ts wires them, with a sub-millisecond clock. */
  activityDeps(observer: CycleRecorder): Omit<ActivityDeps, 'lease'> {
    return {
      broker: this.broker,
      store: this.commits.wrap(this.db),
      buffer: createFallbackBuffer({ dir: this.bufferDir }),
      classifyDbError,
      applyRetention: (days) => applyRetention(this.db, days),
      aggregateOptions: () => ({ maxAgeMs: MAX_GREEK_AGE_MS }),
      reconnectTimeoutMs: 60_000,
      clock: preciseClock,
      observer,
    };
  }

  /** Options whose Greeks were computed at or after `since` and are not stale. */
  freshOptions(since: number): number {
    const snapshot = this.broker.snapshot(BENCH_ACCOUNT);
    let fresh = 0;
    for (const greeks of Object.values(snapshot.greeks)) {
      if (!greeks.stale && greeks.computedAt >= since && greeks.delta !== null) fresh += 1;
    }
    return fresh;
  }

  /** What the adapter and the simulator say about the options without fresh Greeks, in one line. */
  private async lagging(since: number): Promise<string> {
    const snapshot = this.broker.snapshot(BENCH_ACCOUNT);
    const options = snapshot.positions.filter((p) => p.secType === 'OPT');
    const stuck = options.filter((p) => {
      const greeks = snapshot.greeks[p.conId];
      return !greeks || greeks.stale || greeks.computedAt < since || greeks.delta === null;
    });
    const described = stuck.slice(0, 5).map((p) => {
      const greeks = snapshot.greeks[p.conId];
      return `${p.conId} ${greeks ? `stale=${greeks.stale} age=${Date.now() - greeks.computedAt}ms delta=${greeks.delta}` : 'none'}`;
    });
    const { rotation, overBudget, failed, linesInUse } = this.broker.marketDataStats();
    const { counters, linesInUse: simLines } = await this.simulator.status();
    return [
      `${options.length} option positions, ${stuck.length} lagging [${described.join('; ')}]`,
      `adapter lines ${linesInUse}, over budget ${overBudget.length}, failed ${failed.length}, rotation ${JSON.stringify(rotation)}`,
      `simulator lines ${simLines}, error101 ${counters.error101 ?? 0}, pacingViolations ${counters.pacingViolations ?? 0}`,
    ].join('; ');
  }

  /** Polls until every option has Greeks computed after `since`. */
  async waitForFreshGreeks(since: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let reported = false;
    while (this.freshOptions(since) < this.options.options) {
      if (!reported && Date.now() > since + 60_000) {
        reported = true;
        process.stderr.write(`[bench] still waiting for fresh Greeks: ${await this.lagging(since)}\n`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `only ${this.freshOptions(since)} of ${this.options.options} options have fresh Greeks after ${timeoutMs} ms: ${await this.lagging(since)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    await this.workers?.shutdown().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.broker?.stop();
    await this.db?.close();
    await this.simulator?.close();
    rmSync(this.bufferDir, { recursive: true, force: true });
  }
}
