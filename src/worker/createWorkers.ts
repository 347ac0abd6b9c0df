import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, toBufferRecords } from '../activities';
import type { ActivityDeps } from '../activities/ports';
import type { BrokerEvent } from '../broker/types';
import type { ApiLogRow } from '../db/types';
import { AdvisoryLockSession } from './session';

export interface BridgeWorkerOptions extends Omit<ActivityDeps, 'session'> {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  workflowBundle: WorkflowBundleOption;
  databaseUrl: string;
  clientId: number;
  workerId?: string;
  shutdownGraceMs?: number;
  onBrokerEventWritten?: (event: BrokerEvent) => void;
}

export interface BridgeWorkers {
  workerId: string;
  sessionQueue: string;
  session: AdvisoryLockSession;
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
  const session = new AdvisoryLockSession({
    databaseUrl: options.databaseUrl,
    clientId: options.clientId,
    queue: sessionQueue,
    workerId,
    broker: options.broker,
  });
  const activities = createActivities({ ...options, session });
  const stopEvents = forwardBrokerEvents(options, workerId);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    activities,
    shutdownGraceTime: options.shutdownGraceMs ?? 10_000,
    maxConcurrentActivityTaskExecutions: 4,
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
      running ??= Promise.all([shared.run(), own.run()]).then(async () => {
        stopEvents();
        await session.release();
      });
      return running;
    },
    async shutdown() {
      for (const worker of [shared, own]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await running;
    },
  };
}

/** Every broker lifecycle event becomes an api_logs row; when Postgres refuses, the buffer keeps it. */
function forwardBrokerEvents(options: BridgeWorkerOptions, workerId: string): () => void {
  let sequence = 0;
  return options.broker.onEvent((event) => {
    sequence += 1;
    const row: ApiLogRow = {
      key: `${workerId}:${event.at}:${sequence}`,
      at: event.at,
      account: event.account ?? null,
      mode: event.mode,
      event: event.type,
      code: event.code ?? null,
      message: event.message,
      details: event.details ?? null,
    };
    options.store
      .insertApiLogs([row])
      .catch(() => options.buffer.append(toBufferRecords([], [row])))
      .then(() => options.onBrokerEventWritten?.(event))
      .catch(() => undefined);
  });
}
