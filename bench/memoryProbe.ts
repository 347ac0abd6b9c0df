/**
 * Where the worker's memory goes over a long run, per component:
 *
 *   npx tsx bench/memoryProbe.ts [--options 2000] [--cycles 3000] [--interval-ms 100] [--samples 10]
 *                                [--worker-options '{"maxCachedWorkflows":2}'] [--tick-ms 250] [--settle]
 *
 * Runs the bench's real worker stack (BenchStack: TWS simulator in a child process, the SOCKET adapter, the pg pool,
 * the JSONL buffer, both Temporal workers in this process) and the real ibkrBridge workflow every `interval-ms` for
 * `cycles` slots, on its own Temporal dev server and scratch databases on DATABASE_URL's server (else an embedded
 * PostgreSQL). Every tenth of the run (after a warm-up of 200 cycles) it samples, without forcing a collection:
 * process RSS (anonymous and file-backed, /proc/self/status), the main thread's V8 heap, external and array-buffer
 * memory, the workflow worker thread's own V8 heap (asked inside the thread), the runs the SDK caches, the pool's
 * connections, and the SOCKET adapter's ingest backlog. At warm-up and at the end it also samples after full
 * collections in both isolates (`--settle`: every sample). `--worker-options` is merged into every Temporal Worker.create of the stack, to
 * compare SDK settings. Progress goes to stderr, the table to stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { startTemporalDevServer } from '../src/infra/temporalServer';
import type { ibkrBridge } from '../src/workflows/bridge';
import { createScratchDatabase } from '../harness/scratchDatabase';
import { BenchStack } from './lib/benchStack';
import { exposeGc } from './lib/memory';
import { startBenchPostgres } from './lib/postgres';
import { benchSettings } from './lib/temporalPhase';
import {
  expectWorkflowThreads,
  installWorkflowThreadProbe,
  type WorkflowThreadHeap,
} from './memory/workflowThreadProbe';

const MB = 1024 * 1024;
const WARMUP_CYCLES = 200;

const progress = (line: string) => process.stderr.write(`[memory ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return value;
}

function parseOptions() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      options: { type: 'string' },
      cycles: { type: 'string' },
      'interval-ms': { type: 'string' },
      samples: { type: 'string' },
      'worker-options': { type: 'string' },
      'tick-ms': { type: 'string' },
      settle: { type: 'boolean', default: false },
    },
  });
  let workerOptions: Partial<WorkerOptions> = {};
  if (values['worker-options'] !== undefined) {
    try {
      workerOptions = JSON.parse(values['worker-options']) as Partial<WorkerOptions>;
    } catch {
      throw new Error(`--worker-options must be a JSON object, got ${values['worker-options']}`);
    }
  }
  return {
    options: integer('options', values.options, 2000, 1),
    cycles: integer('cycles', values.cycles, 3000, WARMUP_CYCLES + 10),
    intervalMs: integer('interval-ms', values['interval-ms'], 100, 50),
    samples: integer('samples', values.samples, 10, 2),
    tickMs: integer('tick-ms', values['tick-ms'], 250, 10),
    workerOptions,
    /** Every sample after full collections in both isolates (each stalls the loop for a collection). */
    settle: values.settle ?? false,
  };
}

interface Sample {
  cycles: number;
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  threads: WorkflowThreadHeap[];
  cachedRuns: number;
  poolConnections: number;
  ingestBacklogKb: number;
}

function procStatusMb(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const gc = exposeGc();
  const threadProbe = installWorkflowThreadProbe();
  expectWorkflowThreads(
    options.workerOptions.workflowThreadPoolSize ?? (options.workerOptions.reuseV8Context === false ? 2 : 1),
  );
  // Every Temporal Worker of the stack, for its cache figures, with the settings under test merged in.
  const workers: Worker[] = [];
  const create = Worker.create.bind(Worker);
  Worker.create = async (workerOptions: WorkerOptions) => {
    const worker = await create({ ...workerOptions, ...(workerOptions.workflowBundle ? options.workerOptions : {}) });
    workers.push(worker);
    return worker;
  };

  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => progress(`temporal: ${entry.message}`)) });
  const tempDir = mkdtempSync(join(tmpdir(), 'memory-probe-'));
  const devServer = await startTemporalDevServer({
    dbFilename: join(tempDir, 'temporal.db'),
    logFile: join(tempDir, 'temporal.log'),
  });
  const pg = await startBenchPostgres();
  const cyclesDb = await createScratchDatabase(pg.url, 'memory_probe', { migrated: true });
  const connection = await NativeConnection.connect({ address: devServer.address });
  const clientConnection = await Connection.connect({ address: devServer.address });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  const sql = new PgClient({ connectionString: cyclesDb.url });
  await sql.connect();
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: new DefaultLogger('WARN', (entry) => progress(`bundler: ${entry.message}`)),
  });
  const taskQueue = `memory-${randomBytes(3).toString('hex')}`;
  const stack = new BenchStack({
    options: options.options,
    databaseUrl: cyclesDb.url,
    connection,
    bundle,
    taskQueue,
    clientId: 40,
    tickIntervalMs: options.tickMs,
    // As a gateway sends them: each line in writes of its own (the simulator's default).
    streamMode: 'spread',
  });

  async function sample(cycles: number, settle: boolean): Promise<Sample> {
    if (settle) {
      gc();
      gc();
    }
    const threads = await threadProbe.sample({ gc: settle });
    const usage = process.memoryUsage();
    const pool = await sql.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where datname = current_database() and application_name = 'ibkr-greeks-bridge'",
    );
    return {
      cycles,
      rssMb: usage.rss / MB,
      rssAnonMb: procStatusMb('RssAnon'),
      rssFileMb: procStatusMb('RssFile'),
      heapUsedMb: usage.heapUsed / MB,
      heapTotalMb: usage.heapTotal / MB,
      externalMb: usage.external / MB,
      arrayBuffersMb: usage.arrayBuffers / MB,
      threads,
      cachedRuns: workers.reduce((sum, worker) => sum + worker.getStatus().numCachedWorkflows, 0),
      poolConnections: Number(pool.rows[0]?.n ?? 0),
      ingestBacklogKb: (stack.broker.ingestStats()?.backlogBytes ?? 0) / 1024,
    };
  }

  const curve: Sample[] = [];
  const settled: Sample[] = [];
  try {
    progress(`${options.options} options: starting the simulator and the worker stack`);
    const loadSeconds = await stack.start();
    progress(
      `all Greeks streaming after ${loadSeconds.toFixed(1)} s; worker options ${JSON.stringify(options.workerOptions)}`,
    );
    const step = Math.max(1, Math.floor((options.cycles - WARMUP_CYCLES) / options.samples));
    let pending: Promise<void> = Promise.resolve();
    stack.temporalCycles.onCycle = (count) => {
      if (count === WARMUP_CYCLES) {
        pending = pending.then(async () => void settled.push(await sample(count, true)));
      }
      if (count >= WARMUP_CYCLES && (count - WARMUP_CYCLES) % step === 0) {
        pending = pending.then(async () => void curve.push(await sample(count, options.settle)));
      }
    };
    const handle = await client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue,
      workflowId: `memory-${randomBytes(4).toString('hex')}`,
      args: [{ settings: benchSettings(stack.account, options.intervalMs) }],
    });
    progress(`workflow ${handle.workflowId}: ${options.cycles} slots every ${options.intervalMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.cycles * options.intervalMs));
    const written = stack.temporalCycles.samples.length;
    curve.push(await sample(written, options.settle));
    await handle.terminate('memory probe done');
    stack.temporalCycles.onCycle = null;
    await pending;
    settled.push(await sample(written, true));
    const runs = await client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` });
    let runCount = 0;
    for await (const run of runs) if (run) runCount += 1;
    report(options, written, runCount, curve, settled);
  } finally {
    await stack.stop();
    await sql.end().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await clientConnection.close().catch(() => undefined);
    await cyclesDb.drop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    await devServer.stop().catch(() => undefined);
    rmSync(tempDir, { recursive: true, force: true });
  }
}

function pct(from: number, to: number): string {
  return `${to >= from ? '+' : ''}${((100 * (to - from)) / from).toFixed(1)} %`;
}

/** Least-squares slope of a figure over the samples, per 1,000 cycles: a leak has a steady positive one. */
function slopePer1000(samples: Sample[], figure: (s: Sample) => number): number {
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.cycles, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + figure(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.cycles - meanX) * (figure(s) - meanY);
    den += (s.cycles - meanX) ** 2;
  }
  return den === 0 ? 0 : (1000 * num) / den;
}

function threadSum(s: Sample, key: 'usedHeapMb' | 'totalHeapMb' | 'mallocedMb' | 'externalMb' | 'runs'): number {
  return s.threads.reduce((sum, t) => sum + t[key], 0);
}

const COLUMNS: Array<[string, (s: Sample) => number]> = [
  ['cycles', (s) => s.cycles],
  ['rss', (s) => s.rssMb],
  ['rss_anon', (s) => s.rssAnonMb],
  ['rss_file', (s) => s.rssFileMb],
  ['main_heap_used', (s) => s.heapUsedMb],
  ['main_heap_total', (s) => s.heapTotalMb],
  ['external', (s) => s.externalMb],
  ['array_buffers', (s) => s.arrayBuffersMb],
  ['wf_heap_used', (s) => threadSum(s, 'usedHeapMb')],
  ['wf_heap_total', (s) => threadSum(s, 'totalHeapMb')],
  ['wf_malloced', (s) => threadSum(s, 'mallocedMb')],
  ['wf_vm_runs', (s) => threadSum(s, 'runs')],
  ['sdk_cached_runs', (s) => s.cachedRuns],
  ['pg_connections', (s) => s.poolConnections],
  ['ingest_backlog_kb', (s) => s.ingestBacklogKb],
  // What no isolate accounts for: the Temporal core (Rust), pg/socket buffers outside V8, glibc arenas.
  ['native_rest', (s) => s.rssAnonMb - s.heapTotalMb - threadSum(s, 'totalHeapMb') - s.arrayBuffersMb],
];

function report(
  options: ReturnType<typeof parseOptions>,
  written: number,
  runs: number,
  curve: Sample[],
  settled: Sample[],
): void {
  const out: string[] = [];
  out.push('');
  out.push(
    `memory probe: ${options.options} options, ${options.cycles} slots every ${options.intervalMs} ms, ` +
      `${written} cycles written over ${runs} runs, worker options ${JSON.stringify(options.workerOptions)}`,
  );
  out.push(
    `every tenth of the run after warm-up, ${options.settle ? 'after full collections' : 'no forced collection'} (MB unless named):`,
  );
  out.push(COLUMNS.map(([name]) => name.padStart(Math.max(8, name.length))).join(' '));
  for (const s of curve) {
    out.push(COLUMNS.map(([name, f]) => f(s).toFixed(1).padStart(Math.max(8, name.length))).join(' '));
  }
  const [start, end] = settled;
  if (start && end) {
    out.push('');
    out.push(`after full collections in both isolates, cycle ${start.cycles} → ${end.cycles}:`);
    for (const [name, f] of COLUMNS.slice(1)) {
      out.push(
        `  ${name.padEnd(18)} ${f(start).toFixed(1).padStart(8)} → ${f(end).toFixed(1).padStart(8)}  (${pct(f(start), f(end))})`,
      );
    }
  }
  const first = curve[0];
  const middle = curve[Math.floor(curve.length / 2)];
  const last = curve[curve.length - 1];
  if (first && middle && last) {
    out.push('');
    out.push(
      `RSS ${options.settle ? 'after' : 'without'} forced collections: ${first.rssMb.toFixed(0)} → ${last.rssMb.toFixed(0)} MB (${pct(first.rssMb, last.rssMb)}), ` +
        `second half ${pct(middle.rssMb, last.rssMb)}, peak ${Math.max(...curve.map((s) => s.rssMb)).toFixed(0)} MB, ` +
        `trend ${slopePer1000(curve, (s) => s.rssMb).toFixed(1)} MB per 1,000 cycles ` +
        `(main heap total ${slopePer1000(curve, (s) => s.heapTotalMb).toFixed(1)}, ` +
        `workflow heap total ${slopePer1000(curve, (s) => threadSum(s, 'totalHeapMb')).toFixed(1)}, ` +
        `native rest ${slopePer1000(curve, COLUMNS[COLUMNS.length - 1][1]).toFixed(1)})`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `memory probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
