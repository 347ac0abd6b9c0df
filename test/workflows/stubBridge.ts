import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { BridgeActivities, CycleInput, UnwrittenRows } from '../../src/activities/types';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { statusQuery } from '../../src/workflows/messages';
import { DEFAULT_SETTINGS, type BridgeSettings, type BridgeStatus, type CycleSummary } from '../../src/workflows/types';
import { resetWindowAwayFrom } from '../../harness/resetWindow';
import { uniqueName } from '../support/temporal';

/**
 * The bridge workflow on the test run's Temporal dev server, with stub activities in place of the broker, Postgres and
 * the buffer: each test scripts what the activities answer and asserts on what the workflow asked of them. The stubs
 * run on a real Worker on the test's own task queue, which is also the session queue they grant.
 */

/** Settings at test speed: a cycle a second, no lead, one attempt per cycle, a reset window half a day away. */
export function stubSettings(overrides: Partial<BridgeSettings> = {}): BridgeSettings {
  return {
    ...DEFAULT_SETTINGS,
    account: 'DU1',
    intervalMs: 1000,
    cycleLeadMs: 0,
    cycleTimeoutMs: 2000,
    cycleAttempts: 1,
    cycleRetryMs: 200,
    sessionScheduleToStartMs: 1000,
    reset: resetWindowAwayFrom(),
    ...overrides,
  };
}

/** What the workflow asked of the activities, in order. */
export interface Calls {
  sessions: number;
  cycles: CycleInput[];
  buffered: UnwrittenRows[];
  replays: number;
  resets: Array<{ windowStart: number; windowEnd: number }>;
  retentions: number[];
}

/** A written cycle's summary for `input`, with `overrides`. */
export function written(input: CycleInput, overrides: Partial<CycleSummary> = {}): CycleSummary {
  return {
    cycleKey: input.cycleKey,
    slotAt: input.slotAt,
    outcome: 'written',
    connection: 'ready',
    latencyMs: 5,
    netDelta: 12.5,
    netGamma: 0.4,
    netVega: 30,
    netTheta: -8,
    coverage: 1,
    optionCount: 4,
    bufferedRows: 0,
    ...overrides,
  };
}

export interface StubBridge {
  handle: WorkflowHandle<typeof ibkrBridge>;
  taskQueue: string;
  calls: Calls;
  status(): Promise<BridgeStatus>;
  /** Resolves once `predicate` holds for the calls recorded so far; fails after `timeoutMs` with what was recorded. */
  untilCalls(predicate: (calls: Calls) => boolean, what: string, timeoutMs?: number): Promise<Calls>;
  untilStatus(predicate: (status: BridgeStatus) => boolean, what: string, timeoutMs?: number): Promise<BridgeStatus>;
}

/**
 * Starts a worker with `script` over default stubs (a session on the worker's own queue, cycles written with an empty
 * buffer), starts the workflow with `settings`, runs `test`, then terminates the workflow and stops the worker.
 */
export async function withStubBridge(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  settings: BridgeSettings,
  script: (calls: Calls, taskQueue: string) => Partial<BridgeActivities>,
  test: (bridge: StubBridge) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueName('wf-stub');
  const calls: Calls = { sessions: 0, cycles: [], buffered: [], replays: 0, resets: [], retentions: [] };
  const scripted = script(calls, taskQueue);
  const activities: BridgeActivities = {
    async acquireSession() {
      calls.sessions += 1;
      return { queue: taskQueue, workerId: 'w1', bufferId: 'buffer-w1' };
    },
    async runCycle(input) {
      calls.cycles.push(input);
      return written(input);
    },
    async bufferRows(rows) {
      calls.buffered.push(rows);
      return { bufferedRows: calls.buffered.length };
    },
    async replayBuffer() {
      calls.replays += 1;
      return { replayed: 0, duplicates: 0, remainingRows: 0 };
    },
    async applyRetention({ days }) {
      calls.retentions.push(days);
      return { snapshotsDeleted: 0, apiLogsDeleted: 0 };
    },
    async waitOutReset({ windowStart, windowEnd }) {
      calls.resets.push({ windowStart, windowEnd });
      return { readyAt: windowEnd, reconnectMs: 0, attempts: 1 };
    },
    async deliverAlert() {
      return { webhookStatus: null };
    },
    ...scripted,
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue,
      workflowId: uniqueName('ibkr-bridge-stub'),
      args: [{ settings }],
    });
    const bridge: StubBridge = {
      handle,
      taskQueue,
      calls,
      status: () => handle.query(statusQuery),
      untilCalls: (predicate, what, timeoutMs) => until(async () => calls, predicate, what, timeoutMs),
      untilStatus: (predicate, what, timeoutMs) => until(() => handle.query(statusQuery), predicate, what, timeoutMs),
    };
    try {
      await test(bridge);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
}

async function until<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
