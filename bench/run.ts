/**
 * The bridge's benchmark: cycle cost, Temporal overhead against an in-process loop, cadence,
 * history, memory, insert latency at scale and reconnect time, with the real parts.
 *
 *   npm run bench [-- --quick] [-- --json] [-- --sizes 60,500,2000] [-- --long-cycles N] [-- --cycles N]
 *                 [-- --baseline-cycles N]
 *                 [-- --interval-ms 100] [-- --insert-rows N] [-- --tick-ms 250] [-- --stream spread|round|burst]
 *
 * Starts its own Temporal dev server (SQLite file, as `npm start`), PostgreSQL (DATABASE_URL's server with
 * scratch databases, else embedded), and per portfolio size the TWS simulator in a child process. The worker
 * (both Temporal workers, the SOCKET adapter, the pool) runs in this process, so its RSS is the worker's.
 * Progress goes to stderr; the table to stdout; with --json one JSON object is the last line of stdout.
 * See docs/performance.md for what each figure means and the figures of a full run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { createDb } from '../src/db/createDb';
import type { SnapshotRow } from '../src/db/types';
import { aggregateGreeks } from '../src/greeks';
import type { AggregatedGreeks } from '../src/greeks/types';
import { startTemporalDevServer, type DevServerHandle } from '../src/infra/temporalServer';
import { SOCKET_BROKER_DEFAULTS } from '../src/broker/socket';
import { STREAM_MODES, type StreamMode } from '../src/sim/tws';
import { linesNeeded } from './lib/portfolio';
import { runBaselineLoop } from './lib/baselineLoop';
import { BenchStack } from './lib/benchStack';
import { cadenceOf } from './lib/cadence';
import { fillSnapshots, settleAfterFill, timeSingleInserts } from './lib/insertLatency';
import { measureIdleCpu, ownCpuMs, processCpuMs, type IdleCpu, type PhaseCpu } from './lib/cpu';
import { collectEveryIsolate, type CollectAll } from './lib/memory';
import { createScratchDatabase } from '../harness/scratchDatabase';
import { startBenchPostgres, type BenchPostgres } from './lib/postgres';
import { measureReconnects, type ReconnectFigures } from './lib/reconnect';
import { checkTargets, sizeResult, temporalFigures, type InsertFigures, type SizeResult } from './lib/results';
import { formatStages, formatTable, formatTargets } from './lib/table';
import { runTemporalPhase, type TemporalPhaseResult } from './lib/temporalPhase';
import type { CycleSample } from './lib/cycleRecorder';
import type { Cadence } from './lib/cadence';

interface BenchOptions {
  quick: boolean;
  json: boolean;
  sizes: number[];
  intervalMs: number;
  /** Interval of the long run (RSS over thousands of cycles). */
  longIntervalMs: number;
  cycles: number;
  baselineCycles: number;
  warmup: number;
  longCycles: number;
  insertRows: number;
  insertSamples: number;
  tickMs: number;
  /** How the simulator writes each tick interval's updates: spread over it as a gateway (default), or all at once. */
  stream: StreamMode;
  /** Where the dev server keeps its state: a SQLite file (as `npm start`) or memory. */
  temporalStore: 'file' | 'memory';
  /** Extra dynamic-config values for the dev server (`--temporal-config key=value`, repeatable), for experiments. */
  temporalConfig: string[];
  resets: number;
  dataBackResets: number;
  drops: number;
}

function positiveInteger(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return value;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      'interval-ms': { type: 'string' },
      'long-interval-ms': { type: 'string' },
      cycles: { type: 'string' },
      'baseline-cycles': { type: 'string' },
      'long-cycles': { type: 'string' },
      'insert-rows': { type: 'string' },
      'tick-ms': { type: 'string' },
      stream: { type: 'string', default: 'spread' },
      'temporal-store': { type: 'string', default: 'file' },
      'temporal-config': { type: 'string', multiple: true, default: [] },
    },
  });
  const quick = values.quick ?? false;
  const temporalStore = values['temporal-store'];
  if (temporalStore !== 'file' && temporalStore !== 'memory') {
    throw new Error(`--temporal-store must be file or memory, got ${temporalStore}`);
  }
  const stream = values.stream as StreamMode;
  if (!STREAM_MODES.includes(stream))
    throw new Error(`--stream must be one of ${STREAM_MODES.join(', ')}, got ${stream}`);
  const sizes = (values.sizes ?? '60,500,2000').split(',').map((s) => positiveInteger('sizes', s.trim(), 0, 1));
  const cycles = positiveInteger('cycles', values.cycles, quick ? 120 : 1000, 50);
  return {
    quick,
    json: values.json ?? false,
    sizes,
    intervalMs: positiveInteger('interval-ms', values['interval-ms'], 200, 100),
    longIntervalMs: positiveInteger('long-interval-ms', values['long-interval-ms'], 100, 100),
    cycles,
    baselineCycles: positiveInteger(
      'baseline-cycles',
      values['baseline-cycles'],
      Math.min(cycles, quick ? 80 : 500),
      30,
    ),
    warmup: 20,
    longCycles: positiveInteger('long-cycles', values['long-cycles'], quick ? 0 : 10_000),
    insertRows: positiveInteger('insert-rows', values['insert-rows'], quick ? 200_000 : 5_000_000),
    insertSamples: quick ? 200 : 1000,
    tickMs: positiveInteger('tick-ms', values['tick-ms'], 250, 10),
    stream,
    temporalStore,
    temporalConfig: (values['temporal-config'] ?? []).map((entry) => {
      if (!/^[\w.]+=.+$/.test(entry)) throw new Error(`--temporal-config must be key=value, got ${entry}`);
      return entry;
    }),
    resets: quick ? 3 : 10,
    // Quick mode waits once too: "all Greeks back after a reset" is a headline figure.
    dataBackResets: quick ? 1 : 3,
    drops: quick ? 1 : 3,
  };
}

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface SizeMeasurement {
  positions: number;
  loadSeconds: number;
  loadPacingViolations: number;
  baselineFailedCycles: number;
  baseline: CycleSample[];
  baselineCommitMinusSlot: number[];
  baselineCadence: Cadence;
  idle: IdleCpu;
  baselineCpu: PhaseCpu;
  temporal: TemporalPhaseResult;
  longRun: TemporalPhaseResult | null;
  reconnects: ReconnectFigures;
  /** A real row of this size, for the insert phase. */
  row: AggregatedGreeks;
}

async function measureSize(
  positions: number,
  index: number,
  withLongRun: boolean,
  env: {
    client: Client;
    connection: NativeConnection;
    bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
    serverCpuMs: () => number;
  },
  databaseUrl: string,
  options: BenchOptions,
  gc: CollectAll,
): Promise<SizeMeasurement> {
  const taskQueue = `bench-${positions}-${randomBytes(3).toString('hex')}`;
  const stack = new BenchStack({
    options: positions,
    databaseUrl,
    connection: env.connection,
    bundle: env.bundle,
    taskQueue,
    clientId: 20 + index,
    tickIntervalMs: options.tickMs,
    streamMode: options.stream,
  });
  try {
    progress(
      `${positions} options: starting the simulator (${options.stream} stream), subscribing ` +
        `${linesNeeded(positions)} lines at ${SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond} requests/s`,
    );
    const loadSeconds = await stack.start();
    progress(`${positions} options: all Greeks streaming after ${loadSeconds.toFixed(1)} s`);

    progress(
      `${positions} options: in-process baseline, ${options.baselineCycles} cycles every ${options.intervalMs} ms`,
    );
    const baselineId = `baseline-${randomBytes(4).toString('hex')}`;
    const idle = await measureIdleCpu(env.serverCpuMs);
    const baselineCpuAtStart = ownCpuMs();
    const baselineStarted = Date.now();
    const baselineLoop = await runBaselineLoop(stack.activityDeps(stack.baselineCycles), {
      workflowId: baselineId,
      account: stack.account,
      intervalMs: options.intervalMs,
      slots: options.baselineCycles,
    });
    if (baselineLoop.failedCycles.length > 0) {
      progress(
        `${positions} options: ${baselineLoop.failedCycles.length} in-process cycle(s) failed, first: ${baselineLoop.failedCycles[0]}`,
      );
    }
    const baselineCpu = {
      cpuMs: ownCpuMs() - baselineCpuAtStart,
      seconds: (Date.now() - baselineStarted) / 1000,
      written: stack.baselineCycles.samples.length,
    };
    const baselineCadence = await cadenceOf(stack.db, baselineId, options.intervalMs, options.warmup);

    progress(`${positions} options: Temporal workflow, ${options.cycles} cycles every ${options.intervalMs} ms`);
    const phase = {
      taskQueue,
      intervalMs: options.intervalMs,
      warmup: options.warmup,
      gc,
      serverCpuMs: env.serverCpuMs,
    };
    const temporal = await runTemporalPhase(stack, env.client, { ...phase, slots: options.cycles });

    let longRun: TemporalPhaseResult | null = null;
    if (withLongRun) {
      progress(`${positions} options: long run, ${options.longCycles} cycles every ${options.longIntervalMs} ms`);
      longRun = await runTemporalPhase(stack, env.client, {
        ...phase,
        intervalMs: options.longIntervalMs,
        slots: options.longCycles,
        warmup: 200,
      });
    }
    const row = aggregateGreeks(stack.broker.snapshot(stack.account), { now: Date.now(), maxAgeMs: 15_000 });

    progress(`${positions} options: ${options.resets} gateway resets, ${options.drops} connection drops`);
    const reconnects = await measureReconnects(stack, {
      resets: options.resets,
      dataBackResets: options.dataBackResets,
      drops: options.drops,
      refuseForMs: 500,
    });
    progress(`${positions} options: done`);
    return {
      positions,
      loadSeconds,
      loadPacingViolations: stack.loadPacingViolations,
      baselineFailedCycles: baselineLoop.failedCycles.length,
      baseline: stack.baselineCycles.measured(options.warmup),
      baselineCommitMinusSlot: stack.commits.commitMinusSlot(baselineId, options.warmup),
      baselineCadence,
      idle,
      baselineCpu,
      temporal,
      longRun,
      reconnects,
      row,
    };
  } finally {
    await stack.stop();
  }
}

/** Single-row insert latency of each size's real row, on an empty table and after filling `rows` rows. */
async function measureInserts(
  pg: BenchPostgres,
  rows: Map<number, AggregatedGreeks>,
  options: BenchOptions,
): Promise<Map<number, InsertFigures>> {
  const scratch = await createScratchDatabase(pg.url, 'bench_insert', { migrated: true });
  const db = createDb({ url: scratch.url, statementTimeoutMs: 30_000 });
  const sql = new PgClient({ connectionString: scratch.url });
  await sql.connect();
  const rowFor =
    (positions: number, phase: string) =>
    (i: number): SnapshotRow => ({
      cycleKey: `insert-bench:${positions}:${phase}:${i}`,
      workflowId: 'insert-bench',
      cycleLatencyMs: 5,
      aggregated: { ...(rows.get(positions) as AggregatedGreeks), takenAt: Date.now() },
    });
  try {
    const empty = new Map<number, number[]>();
    for (const positions of rows.keys()) {
      empty.set(positions, await timeSingleInserts(db, options.insertSamples, rowFor(positions, 'empty')));
    }
    progress(`inserts: filling ${options.insertRows.toLocaleString('en')} rows`);
    const started = Date.now();
    await fillSnapshots(sql, options.insertRows, rows.values().next().value as AggregatedGreeks);
    const settle = await settleAfterFill(sql, progress);
    progress(
      `inserts: filled in ${((Date.now() - started) / 1000).toFixed(0)} s (vacuum + checkpoint ${settle.toFixed(0)} s)`,
    );
    const figures = new Map<number, InsertFigures>();
    for (const positions of rows.keys()) {
      const filled = await timeSingleInserts(db, options.insertSamples, rowFor(positions, 'filled'));
      figures.set(positions, { empty: empty.get(positions) ?? [], filled, rowsFilled: options.insertRows });
    }
    return figures;
  } finally {
    await sql.end().catch(() => undefined);
    await db.close();
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  // Before any worker exists, so the workflow threads the SDK starts can be collected too.
  const gc = collectEveryIsolate();
  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => progress(`temporal: ${entry.message}`)) });
  const tempDir = mkdtempSync(join(tmpdir(), 'bench-temporal-'));
  let devServer: DevServerHandle | null = null;
  let pg: BenchPostgres | null = null;
  let connection: NativeConnection | null = null;
  let clientConnection: Connection | null = null;
  let cyclesDb: { url: string; drop(): Promise<void> } | null = null;
  try {
    progress(
      `mode ${options.quick ? 'quick' : 'full'}, sizes ${options.sizes.join(', ')}; starting Temporal and Postgres`,
    );
    devServer = await startTemporalDevServer({
      dbFilename: options.temporalStore === 'file' ? join(tempDir, 'temporal.db') : undefined,
      logFile: join(tempDir, 'temporal.log'),
      extraArgs: options.temporalConfig.flatMap((entry) => ['--dynamic-config-value', entry]),
    });
    pg = await startBenchPostgres();
    cyclesDb = await createScratchDatabase(pg.url, 'bench_cycles', { migrated: true });
    connection = await NativeConnection.connect({ address: devServer.address });
    clientConnection = await Connection.connect({ address: devServer.address });
    const client = new Client({ connection: clientConnection, namespace: 'default' });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: new DefaultLogger('WARN', (entry) => progress(`bundler: ${entry.message}`)),
    });

    const measurements: SizeMeasurement[] = [];
    const largest = Math.max(...options.sizes);
    for (const [index, positions] of options.sizes.entries()) {
      const withLongRun = options.longCycles > 0 && positions === largest && !measurements.some((m) => m.longRun);
      const server = devServer;
      const env = { client, connection, bundle, serverCpuMs: () => processCpuMs(server.process.pid) };
      measurements.push(await measureSize(positions, index, withLongRun, env, cyclesDb.url, options, gc));
    }

    const inserts = await measureInserts(pg, new Map(measurements.map((m) => [m.positions, m.row])), options);
    const results: SizeResult[] = measurements.map((m) =>
      sizeResult({
        ...m,
        marketDataLines: linesNeeded(m.positions),
        requestsPerSecond: SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond,
        inserts: inserts.get(m.positions) ?? null,
      }),
    );
    const long = measurements.find((m) => m.longRun);
    const longRun = long?.longRun
      ? {
          positions: long.positions,
          interval_ms: options.longIntervalMs,
          ...temporalFigures(
            long.longRun,
            results.find((r) => r.positions === long.positions)?.baseline_p99_ms ?? 0,
            long.idle,
          ),
        }
      : null;
    const targets = checkTargets(results, longRun);

    const out: string[] = [];
    out.push('');
    out.push(
      `ibkr-greeks-bridge bench (${options.quick ? 'quick' : 'full'}): one cycle every ${options.intervalMs} ms, ` +
        `simulator ticks every ${options.tickMs} ms (${options.stream} stream), ` +
        `adapter requests ${SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond}/s, Temporal dev server state in ${options.temporalStore}, ${options.warmup} warm-up cycles not counted`,
    );
    out.push(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
        `load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} (shared with other jobs); node ${process.version}; ` +
        `PostgreSQL ${pg.version}${pg.embedded ? ' (embedded)' : ''}`,
    );
    out.push('');
    out.push(formatTable(results));
    out.push('');
    out.push('where a Temporal cycle spends its time (server event timestamps):');
    out.push(formatStages(results));
    if (options.insertRows !== 5_000_000) {
      out.push(`note: the "filled table" inserts ran with ${options.insertRows.toLocaleString('en')} rows, not 5 M`);
    }
    if (longRun) {
      out.push('');
      out.push(
        `long run, ${longRun.positions} options, ${longRun.cycles} cycles: RSS ${longRun.rss_start_mb} → ${longRun.rss_end_mb} MB ` +
          `(${longRun.rss_growth_pct} %, heap ${longRun.heap_growth_pct} %; second half ${longRun.rss_growth_second_half_pct} %, ` +
          `every tenth ${longRun.rss_curve_mb.join(' ')} MB), committed − slot p99 ${longRun.commit_minus_slot_p99_ms} ms, ` +
          `work p99 ${longRun.work_p99_ms} ms, ` +
          `e2e p99 ${longRun.e2e_p99_ms} ms, jitter p99 ${longRun.jitter_p99_ms} ms, drift ${longRun.drift_ms} ms, ` +
          `${longRun.events_per_cycle} events/cycle, ${longRun.cycles_per_run} cycles/run over ${longRun.runs} runs`,
      );
    }
    out.push('');
    out.push('targets (reported, not enforced):');
    out.push(formatTargets(targets));
    process.stdout.write(`${out.join('\n')}\n`);
    if (options.json) {
      const json = {
        bench: 'ibkr-greeks-bridge',
        mode: options.quick ? 'quick' : 'full',
        started_at: startedAt.toISOString(),
        duration_s: Math.round((Date.now() - startedAt.getTime()) / 1000),
        interval_ms: options.intervalMs,
        tick_interval_ms: options.tickMs,
        stream_mode: options.stream,
        requests_per_second: SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond,
        temporal_store: options.temporalStore,
        cycles: options.cycles,
        warmup_cycles: options.warmup,
        insert_rows_filled: options.insertRows,
        machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? null, load: loadavg(), node: process.version },
        postgres: { version: pg.version, embedded: pg.embedded },
        results,
        long_run: longRun,
        targets,
      };
      process.stdout.write(`${JSON.stringify(json)}\n`);
    }
  } finally {
    await connection?.close().catch(() => undefined);
    await clientConnection?.close().catch(() => undefined);
    await cyclesDb?.drop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await devServer?.stop().catch(() => undefined);
    rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
