import type { NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import type { Broker } from '../src/broker/types';
import { createFallbackBuffer } from '../src/buffer';
import { applyRetention, classifyDbError, type Db } from '../src/db';
import { bufferIdentity } from '../src/worker/bufferIdentity';
import { createBridgeWorkers, type BridgeWorkerOptions, type BridgeWorkers } from '../src/worker/createWorkers';

/** What an in-process worker is made of; everything else has a value fit for a test or a bench. */
export interface InProcessWorkerParts {
  connection: NativeConnection;
  taskQueue: string;
  workflowBundle: WorkflowBundleOption;
  databaseUrl: string;
  broker: Broker;
  db: Db;
  bufferDir: string;
  clientId?: number;
}

/**
 * The bridge's two Temporal workers in this process, wired as src/worker.ts wires them from the environment
 * (the store, its error classification and retention, the buffer and its identity, the database probe), with
 * short timeouts so that a stack stops in seconds. `overrides` replaces any option, e.g. the observer, the alert
 * webhook or the aggregation's betas.
 */
export async function createInProcessWorkers(
  parts: InProcessWorkerParts,
  overrides: Partial<BridgeWorkerOptions> = {},
): Promise<BridgeWorkers> {
  const { db, bufferDir } = parts;
  return createBridgeWorkers({
    connection: parts.connection,
    namespace: 'default',
    taskQueue: parts.taskQueue,
    workflowBundle: parts.workflowBundle,
    databaseUrl: parts.databaseUrl,
    clientId: parts.clientId ?? 10,
    broker: parts.broker,
    store: db,
    buffer: createFallbackBuffer({ dir: bufferDir }),
    classifyDbError,
    applyRetention: (days) => applyRetention(db, days),
    aggregateOptions: () => ({ maxAgeMs: 15_000 }),
    reconnectTimeoutMs: 10_000,
    shutdownGraceMs: 2000,
    bufferId: await bufferIdentity(bufferDir),
    probeDatabase: () => db.ping(),
    bufferReplayIntervalMs: 500,
    ...overrides,
  });
}
