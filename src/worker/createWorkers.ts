import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, toBufferRecords } from '../activities';
import type { CycleInput } from '../activities/types';
import type { ActivityDeps } from '../activities/ports';
import type { BrokerEvent } from '../broker/types';
import { apiLogRow } from '../db/apiLogEvents';
import type { ApiLogRow } from '../db/types';
import type { BufferReport, SessionRelease } from '../workflows/types';
import { AdvisoryLockLease } from './connectionLease';
import { startBufferReplayer } from './bufferReplayer';
import { CycleWatch } from './cycleWatch';

/** Well under one 5 s interval, and far above the milliseconds a live worker takes to poll. */
const STICKY_QUEUE_TIMEOUT_MS = 3000;

export interface BridgeWorkerOptions extends Omit<ActivityDeps, 'lease'> {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  workflowBundle: WorkflowBundleOption;
  databaseUrl: string;
  clientId: number;
  workerId?: string;
  shutdownGraceMs?: number;
  onBrokerEventWritten?: (event: BrokerEvent) => void;
  /** Stable id of the fallback buffer's directory (bufferIdentity); the workflow counts its rows under it. */
  bufferId?: string;
  /** Tells the workflow(s) this worker serves how many rows its buffer holds (a `bufferReport` signal). */
  reportBufferedRows?: (report: BufferReport) => Promise<void>;
  /** Resolves when Postgres answers; the buffer is replayed only then. */
  probeDatabase?: () => Promise<void>;
  /** How often this worker looks at its own buffer, replays it and reports it. Default 5000. */
  bufferReplayIntervalMs?: number;
  /**
   * Tells a workflow this worker granted the session to that it let go of it (a `sessionReleased` signal). With it, a
   * graceful shutdown of the session holder is a handover: it serves one more cycle, closes the IB connection,
   * releases the lease and says so, and the workflow takes the session elsewhere before its next slot.
   */
  announceRelease?: (workflowId: string, release: SessionRelease) => Promise<void>;
  /** How long a stopping session holder waits for the cycle it hands over after. Default 6000 (an interval and 1 s). */
  handoverWaitMs?: number;
}

export interface BridgeWorkers {
  workerId: string;
  sessionQueue: string;
  session: AdvisoryLockLease;
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Two Temporal workers in one process: one on the shared task queue (workflows, and the session
 * handshake any worker may answer), one on this process's own queue for everything that needs the IB
 * connection this process holds.
 */
export async function createBridgeWorkers(options: BridgeWorkerOptions): Promise<BridgeWorkers> {
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const sessionQueue = `${options.taskQueue}@${workerId}`;
  const session = new AdvisoryLockLease({
    databaseUrl: options.databaseUrl,
    clientId: options.clientId,
    queue: sessionQueue,
    workerId,
    bufferId: options.bufferId,
    broker: options.broker,
  });
  const cycles = new CycleWatch();
  const created = createActivities({ ...options, lease: session });
  const activities = { ...created, runCycle: (input: CycleInput) => cycles.track(() => created.runCycle(input)) };
  const bufferId = options.bufferId ?? workerId;
  const stopEvents = forwardBrokerEvents(options, workerId);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    activities,
    shutdownGraceTime: options.shutdownGraceMs ?? 10_000,
    maxConcurrentActivityTaskExecutions: 4,
    // A killed worker's sticky queue holds the workflow's next task this long before any worker may take it (SDK
    // default 10 s): two intervals of silence, which the workflow would rightly read as Temporal being away.
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT_MS,
  };
  const shared = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
  });
  const own = await Worker.create({ ...common, taskQueue: sessionQueue });

  let running: Promise<void> | null = null;
  let handingOver: Promise<void> | null = null;
  return {
    workerId,
    sessionQueue,
    session,
    run() {
      running ??= runAll();
      return running;
    },
    async shutdown() {
      handingOver ??= handOver();
      await handingOver;
      stopPolling();
      await running;
    },
  };

  /**
   * A graceful stop of the session holder, timed so that no slot is lost: right after the cycle that is running or
   * next (a whole interval before the slot after it), this worker stops taking work, closes the IB connection first
   * (IB allows one per client id), releases the lease, and tells the workflows it served, which take the session on
   * another worker at once. Without the announcement they would learn it only when the next slot's cycle went unpicked.
   */
  async function handOver(): Promise<void> {
    const announce = options.announceRelease;
    if (!announce || !session.holds() || running === null) return;
    const waitStarted = Date.now();
    const cycleEnded = await cycles.nextEnd(options.handoverWaitMs ?? 6000);
    stopPolling();
    await options.broker.stop().catch(() => undefined);
    const workflows = session.grantees();
    await session.release();
    const release: SessionRelease = { queue: sessionQueue, workerId, at: Date.now() };
    await Promise.all(workflows.map((workflowId) => announce(workflowId, release).catch(() => undefined)));
    const row = apiLogRow('session_handover', {
      key: `${workerId}:handover:${release.at}`,
      at: release.at,
      mode: options.broker.mode,
      message: cycleEnded
        ? `worker ${workerId} stopped after its last cycle and handed the IB session over`
        : `worker ${workerId} stopped and handed the IB session over without a cycle to wait for`,
      details: { workerId, waitedMs: release.at - waitStarted, cycleEnded, workflows },
    });
    await keepLog(options, row).catch(() => undefined);
  }

  /** Both Temporal workers stop taking tasks; the ones running finish within the grace time. */
  function stopPolling(): void {
    for (const worker of [own, shared]) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }

  async function runAll(): Promise<void> {
    const replayer = startBufferReplayer({
      buffer: options.buffer,
      store: options.store,
      probe: options.probeDatabase ?? (() => Promise.resolve()),
      intervalMs: options.bufferReplayIntervalMs ?? 5000,
      holdsSession: () => session.holds(),
      report: options.reportBufferedRows
        ? (rows) => options.reportBufferedRows!({ bufferId, rows, at: Date.now() })
        : undefined,
      onReplayed: (result) =>
        options.store
          .insertApiLogs([
            apiLogRow('replay_done', {
              key: `${bufferId}:replay:${Date.now()}`,
              at: Date.now(),
              mode: options.broker.mode,
              message: `replayed ${result.replayed} buffered row(s) into Postgres (${result.duplicates} already there)`,
              details: { ...result, bufferId, by: 'worker' },
            }),
          ])
          .then(
            () => undefined,
            () => undefined,
          ),
      onCount: (rows) => options.observer?.bufferSize(rows),
    });
    try {
      await Promise.all([shared.run(), own.run()]);
      // The Temporal workers stop before the handover has told the workflows: the process must not close under it.
      await handingOver;
    } finally {
      stopEvents();
      await replayer.stop();
      await session.release();
    }
  }
}

/** Every broker lifecycle event becomes an api_logs row; when Postgres refuses, the buffer keeps it. */
function forwardBrokerEvents(options: BridgeWorkerOptions, workerId: string): () => void {
  let sequence = 0;
  return options.broker.onEvent((event) => {
    sequence += 1;
    const row = apiLogRow(event.type, {
      key: `${workerId}:${event.at}:${sequence}`,
      at: event.at,
      account: event.account,
      mode: event.mode,
      code: event.code,
      message: event.message,
      details: event.details,
    });
    keepLog(options, row)
      .then(() => options.onBrokerEventWritten?.(event))
      .catch(() => undefined);
  });
}

/** Writes one api_logs row now, or keeps it in the fallback buffer when Postgres refuses it. */
function keepLog(options: Pick<BridgeWorkerOptions, 'store' | 'buffer'>, row: ApiLogRow): Promise<unknown> {
  return options.store.insertApiLogs([row]).catch(() => options.buffer.append(toBufferRecords([], [row])));
}
