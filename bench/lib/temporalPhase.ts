import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { DEFAULT_SETTINGS, type BridgeSettings } from '../../src/workflows/types';
import type { BenchStack } from './benchStack';
import { cadenceOf, type Cadence } from './cadence';
import { ownCpuMs } from './cpu';
import type { CycleSample } from './cycleRecorder';
import { historyOf, type HistoryFigures } from './history';
import { breakdown, type Stage } from './historyBreakdown';
import { currentRssMb, settledMemory, type CollectAll, type MemoryFigures } from './memory';

export interface TemporalPhaseResult {
  workflowId: string;
  cycles: CycleSample[];
  /** Row committed − slot instant (ms) of every measured cycle, from the store's side. */
  commitMinusSlot: number[];
  /** Rows written, warm-up included. */
  written: number;
  cadence: Cadence;
  history: HistoryFigures;
  /** Where each cycle's time went, from the server's event timestamps. */
  stages: Record<Stage, number[]>;
  memoryAtStart: MemoryFigures;
  memoryAtEnd: MemoryFigures;
  /** Cycles between the two memory readings. */
  memoryCycles: number;
  /** RSS (MB, no forced collection) every tenth of the measured slots: a leak climbs, a settling heap flattens. */
  rssCurveMb: number[];
  seconds: number;
  /** CPU ms used over the phase: this process (the worker), and the Temporal server. */
  workerCpuMs: number;
  serverCpuMs: number;
}

/** Production settings, except the interval, and a nightly reset window twelve hours away from now. */
export function benchSettings(account: string, intervalMs: number): BridgeSettings {
  const resetAt = new Date(Date.now() + 12 * 3_600_000);
  const time = `${String(resetAt.getUTCHours()).padStart(2, '0')}:${String(resetAt.getUTCMinutes()).padStart(2, '0')}`;
  return { ...DEFAULT_SETTINGS, account, intervalMs, reset: { time, timeZone: 'UTC', durationMs: 60_000 } };
}

/**
 * Runs the real ibkrBridge workflow on the stack's workers for `slots` slots of wall time (a workflow that
 * falls behind writes fewer rows, and the missed slots show as drift), then terminates it and collects what it cost: per-cycle figures from the activity, cadence from the rows, the history of
 * every run of the continue-as-new chain, and this process's memory after warm-up and at the end.
 */
export async function runTemporalPhase(
  stack: BenchStack,
  client: Client,
  options: {
    taskQueue: string;
    intervalMs: number;
    slots: number;
    warmup: number;
    gc: CollectAll;
    serverCpuMs: () => number;
  },
): Promise<TemporalPhaseResult> {
  const recorder = stack.temporalCycles;
  recorder.samples.length = 0;
  let memoryAtStart: MemoryFigures | null = null;
  const rssCurveMb: number[] = [];
  const curveStep = Math.max(1, Math.floor((options.slots - options.warmup) / 10));
  recorder.onCycle = (count) => {
    // After the activity returned to the SDK, between cycles, so the collection delays no measured write.
    if (count === options.warmup) {
      setImmediate(() => void settledMemory(options.gc).then((figures) => (memoryAtStart = figures)));
    }
    if (count >= options.warmup && (count - options.warmup) % curveStep === 0) {
      rssCurveMb.push(currentRssMb());
    }
  };
  const workflowId = `bench-${randomBytes(4).toString('hex')}`;
  const started = Date.now();
  const cpuAtStart = { worker: ownCpuMs(), server: options.serverCpuMs() };
  const handle = await client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
    taskQueue: options.taskQueue,
    workflowId,
    args: [{ settings: benchSettings(stack.account, options.intervalMs) }],
  });
  await new Promise((resolve) => setTimeout(resolve, options.slots * options.intervalMs));
  await handle.terminate('bench phase done');
  if (recorder.samples.length <= options.warmup) {
    throw new Error(
      `only ${recorder.samples.length} cycles written in ${options.slots} slots of ${options.intervalMs} ms`,
    );
  }
  const workerCpuMs = ownCpuMs() - cpuAtStart.worker;
  const serverCpuMs = options.serverCpuMs() - cpuAtStart.server;
  recorder.onCycle = null;
  const seconds = (Date.now() - started) / 1000;
  const memoryAtEnd = await settledMemory(options.gc);
  const cycles = recorder.measured(options.warmup);
  const history = await historyOf(client, workflowId, handle.firstExecutionRunId);
  return {
    workflowId,
    cycles,
    commitMinusSlot: stack.commits.commitMinusSlot(workflowId, options.warmup),
    written: recorder.samples.length,
    cadence: await cadenceOf(stack.db, workflowId, options.intervalMs, options.warmup),
    history,
    stages: breakdown(history.runs.map((run) => run.history)),
    memoryAtStart: memoryAtStart ?? memoryAtEnd,
    memoryAtEnd,
    memoryCycles: recorder.samples.length - options.warmup,
    rssCurveMb,
    seconds,
    workerCpuMs,
    serverCpuMs,
  };
}
