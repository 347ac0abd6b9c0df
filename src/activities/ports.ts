import type { Broker } from '../broker/types';
import type { AggregateOptions } from '../greeks/aggregate';
import type { ApiLogRow, InsertResult, SnapshotRow } from '../db/types';
import type { DbErrorClass } from '../db/types';
import type { FallbackBuffer } from '../buffer';
import type { SessionGrant } from './types';
import type { WebhookOptions } from '../alerts/delivery';

/**
 * What the activities need from the outside world. The worker wires real implementations; nothing here
 * is a test double, the interfaces only keep the activities independent of how each piece is built.
 */
export interface GreeksStore {
  insertSnapshots(rows: SnapshotRow[]): Promise<InsertResult>;
  insertApiLogs(rows: ApiLogRow[]): Promise<InsertResult>;
}

/**
 * The IB connection lease: IB allows one connection per client id, so across all workers only the one holding the
 * lease (a PostgreSQL advisory lock keyed by the client id, src/worker/connectionLease.ts) connects to IB and runs the
 * activities that need the connection.
 */
export interface ConnectionLease {
  /**
   * Takes (or confirms) the lease and with it the IB connection, for the workflow `workflowId`; throws when another
   * worker holds it.
   */
  acquire(account: string, workflowId?: string): Promise<SessionGrant>;
  /** True while this worker holds the lease. */
  holds(): boolean;
}

export interface CycleObserver {
  cycleCompleted(info: { latencyMs: number; endToEndMs: number; coverage: number | null; outcome: string }): void;
  bufferSize(rows: number): void;
  /** The fallback buffer refused rows (disk full, unwritable, I/O error). */
  bufferFailed?(code: string): void;
  reconnected(ms: number): void;
  /** Every alert rule's state, true while firing. */
  alertStates?(states: Record<string, boolean>): void;
}

export interface ActivityDeps {
  broker: Broker;
  store: GreeksStore;
  buffer: FallbackBuffer;
  lease: ConnectionLease;
  classifyDbError(err: unknown): DbErrorClass;
  applyRetention(days: number): Promise<{ snapshotsDeleted: number; apiLogsDeleted: number }>;
  aggregateOptions(): Omit<AggregateOptions, 'now'>;
  /** How long waitOutReset gives the gateway to come back after the window before giving up an attempt. */
  reconnectTimeoutMs: number;
  clock?: () => number;
  observer?: CycleObserver;
  /** ALERT_WEBHOOK_URL: where alert transitions are POSTed. Worker configuration, never workflow input. */
  alertWebhook?: WebhookOptions;
}
