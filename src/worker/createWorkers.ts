import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, toBufferRecords } from '../activities';
import type { ActivityDeps } from '../activities/ports';
import type { BrokerEvent } from '../broker/types';
import { apiLogRow } from '../db/apiLogEvents';
import type { BufferReport } from '../workflows/types';
import { AdvisoryLockLease } from './connectionLease';
import { startBufferReplayer } from './bufferReplayer';

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
  const activities = createActivities({ ...options, lease: session });
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
  return {
    workerId,
    sessionQueue,
    session,
    run() {
      running ??= runAll();
      return running;
    },
    async shutdown() {
      for (const worker of [shared, own]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await running;
    },
  };

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
    options.store
      .insertApiLogs([row])
      .catch(() => options.buffer.append(toBufferRecords([], [row])))
      .then(() => options.onBrokerEventWritten?.(event))
      .catch(() => undefined);
  });
}
