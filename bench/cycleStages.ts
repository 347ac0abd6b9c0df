/**
 * Where one cycle's time goes, without Temporal: the cycle activity runs from a plain loop with the workflow's lead
 * (scheduled `--lead-ms` before its slot, it waits for the slot itself), against the TWS simulator in a child process
 * and PostgreSQL, and every cycle is split into its stages: how late the activity's slot timer let it start, the
 * broker snapshot, the aggregation, the insert until committed. The event loop's delay and the garbage collections
 * that overlapped each slow cycle say what held it up.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/cycleStages.ts [--options 60] [--cycles 600] [--interval-ms 200]
 *                                                          [--lead-ms 100] [--tick-ms 250] [--json]
 */
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createActivities } from '../src/activities';
import type { ActivityDeps, GreeksStore } from '../src/activities/ports';
import type { Broker } from '../src/broker/types';
import { createSocketBroker } from '../src/broker/socket';
import { createFallbackBuffer } from '../src/buffer';
import { applyRetention, classifyDbError, createDb } from '../src/db';
import { createScratchDatabase } from '../harness/scratchDatabase';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preciseClock } from './lib/cycleRecorder';
import { BENCH_ACCOUNT, benchPortfolio, linesNeeded } from './lib/portfolio';
import { startBenchPostgres } from './lib/postgres';
import { startSimulatorProcess } from './lib/simulatorProcess';
import { summarize, round } from './lib/stats';

interface Stages {
  slotAt: number;
  /** Snapshot taken − slot instant: the slot timer's lateness (the figure the bench calls jitter). */
  startLateMs: number;
  snapshotMs: number;
  /** Snapshot returned → insert called: the aggregation and the row's assembly. */
  aggregateMs: number;
  /** Insert called → committed. */
  insertMs: number;
  commitMinusSlotMs: number;
}

const OWN_LEASE: ActivityDeps['lease'] = {
  acquire: async () => ({ queue: 'in-process', workerId: 'stages' }),
  holds: () => true,
};

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return parsed;
}

function progress(message: string): void {
  process.stderr.write(`[stages] ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      options: { type: 'string' },
      cycles: { type: 'string' },
      'interval-ms': { type: 'string' },
      'lead-ms': { type: 'string' },
      'tick-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const options = numberOption('options', values.options, 60);
  const cycles = numberOption('cycles', values.cycles, 600);
  const intervalMs = numberOption('interval-ms', values['interval-ms'], 200);
  const leadMs = Math.min(numberOption('lead-ms', values['lead-ms'], 100), Math.floor(intervalMs / 2));
  const tickMs = numberOption('tick-ms', values['tick-ms'], 250);
  const warmup = 20;

  const pg = await startBenchPostgres();
  const scratch = await createScratchDatabase(pg.url, 'bench_stages', { migrated: true });
  const lines = linesNeeded(options) + 10;
  const simulator = await startSimulatorProcess({
    seed: 5,
    portfolio: benchPortfolio(options),
    settings: { lineLimit: lines, tickIntervalMs: tickMs, streamMode: 'spread' },
  });
  const db = createDb({ url: scratch.url });
  const broker = createSocketBroker({
    host: simulator.host,
    port: simulator.port,
    clientId: 10,
    account: BENCH_ACCOUNT,
    maxMarketDataLines: lines,
  });
  const bufferDir = mkdtempSync(join(tmpdir(), 'bench-stages-'));
  const samples: Stages[] = [];
  const gcs: { start: number; end: number; kind: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const start = performance.timeOrigin + entry.startTime;
      gcs.push({ start, end: start + entry.duration, kind: entry.detail?.kind ?? 0 });
    }
  });
  try {
    broker.start();
    await broker.waitUntilReady(30_000);
    progress(`${options} options: waiting for every option's Greeks`);
    const loadStarted = Date.now();
    while (Date.now() - loadStarted < 300_000) {
      const snapshot = broker.snapshot(BENCH_ACCOUNT);
      const fresh = Object.values(snapshot.greeks).filter((g) => !g.stale && g.delta !== null).length;
      if (fresh >= options) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    let current: Partial<Stages> & { snapshotAt?: number; snapshotDone?: number; insertAt?: number } = {};
    const timedBroker: Broker = Object.create(broker) as Broker;
    timedBroker.snapshot = (account: string) => {
      current.snapshotAt = preciseClock();
      const result = broker.snapshot(account);
      current.snapshotDone = preciseClock();
      return result;
    };
    const timedStore: GreeksStore = {
      ...db,
      insertSnapshots: async (rows) => {
        current.insertAt = preciseClock();
        return db.insertSnapshots(rows);
      },
      insertApiLogs: (rows) => db.insertApiLogs(rows),
    };
    const activities = createActivities({
      broker: timedBroker,
      store: timedStore,
      buffer: createFallbackBuffer({ dir: bufferDir }),
      classifyDbError,
      applyRetention: (days) => applyRetention(db, days),
      aggregateOptions: () => ({ maxAgeMs: 15_000 }),
      reconnectTimeoutMs: 60_000,
      clock: preciseClock,
      lease: OWN_LEASE,
    });
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    gcObserver.observe({ entryTypes: ['gc'] });
    progress(`${options} options: ${cycles} cycles every ${intervalMs} ms, scheduled ${leadMs} ms before the slot`);
    const gridStart = Math.ceil(Date.now() / intervalMs) * intervalMs + intervalMs;
    for (let slot = 0; slot < cycles; slot++) {
      const slotAt = gridStart + slot * intervalMs;
      const wait = slotAt - leadMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (Date.now() > slotAt) continue;
      current = { slotAt };
      const summary = await activities.runCycle({
        workflowId: 'stages',
        account: BENCH_ACCOUNT,
        cycleKey: `stages:${slotAt}`,
        slotAt,
        scheduledAt: preciseClock(),
        gaps: [],
      });
      const committed = preciseClock();
      if (summary.outcome !== 'written' || !current.snapshotAt || !current.snapshotDone || !current.insertAt) continue;
      samples.push({
        slotAt,
        startLateMs: current.snapshotAt - slotAt,
        snapshotMs: current.snapshotDone - current.snapshotAt,
        aggregateMs: current.insertAt - current.snapshotDone,
        insertMs: committed - current.insertAt,
        commitMinusSlotMs: committed - slotAt,
      });
    }
    loopDelay.disable();
    gcObserver.disconnect();

    const measured = samples.slice(warmup);
    const figure = (pick: (s: Stages) => number) => summarize(measured.map(pick));
    const slowest = [...measured].sort((a, b) => b.commitMinusSlotMs - a.commitMinusSlotMs).slice(0, 10);
    const overlapping = (s: Stages) =>
      gcs
        .filter((gc) => gc.end >= s.slotAt - leadMs && gc.start <= s.slotAt + s.commitMinusSlotMs)
        .map((gc) => `${gcKind(gc.kind)} ${round(gc.end - gc.start)} ms`);
    const result = {
      options,
      interval_ms: intervalMs,
      lead_ms: leadMs,
      cycles_measured: measured.length,
      start_late_ms: figure((s) => s.startLateMs),
      snapshot_ms: figure((s) => s.snapshotMs),
      aggregate_ms: figure((s) => s.aggregateMs),
      insert_ms: figure((s) => s.insertMs),
      commit_minus_slot_ms: figure((s) => s.commitMinusSlotMs),
      event_loop_delay_ms: {
        p50: round(loopDelay.percentile(50) / 1e6),
        p99: round(loopDelay.percentile(99) / 1e6),
        max: round(loopDelay.max / 1e6),
      },
      gc_pauses: summarize(gcs.map((gc) => gc.end - gc.start)),
      slowest: slowest.map((s) => ({
        commit_minus_slot_ms: round(s.commitMinusSlotMs),
        start_late_ms: round(s.startLateMs),
        snapshot_ms: round(s.snapshotMs),
        aggregate_ms: round(s.aggregateMs),
        insert_ms: round(s.insertMs),
        gc: overlapping(s),
      })),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await broker.stop().catch(() => undefined);
    await simulator.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    await scratch.drop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    rmSync(bufferDir, { recursive: true, force: true });
  }
}

/** V8's collection kinds as perf_hooks names them (constants.NODE_PERFORMANCE_GC_*). */
function gcKind(kind: number): string {
  return { 1: 'major', 2: 'minor', 4: 'incremental', 8: 'weakcb' }[kind] ?? `kind ${kind}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
