import type { AlertDelivery } from '../alerts/delivery';
import type { UnderlyingWatch } from '../alerts/underlyings';
import type { CycleSummary, GapRecord } from '../workflows/types';

/**
 * Failure types the workflow reacts to; thrown as ApplicationFailure.type. Like the activity names, they are recorded
 * in workflow histories, so SessionHeldElsewhere (another worker holds the IB connection lease) keeps its name.
 */
export const DB_WRITE_FAILED = 'DbWriteFailed';
export const REPLAY_FAILED = 'ReplayFailed';
export const SESSION_HELD_ELSEWHERE = 'SessionHeldElsewhere';
export const ALERT_WEBHOOK_FAILED = 'AlertWebhookFailed';

export interface CycleInput {
  workflowId: string;
  account: string;
  cycleKey: string;
  /** Grid instant the cycle belongs to (epoch ms). */
  slotAt: number;
  /** When the workflow scheduled it, to measure end-to-end latency. */
  scheduledAt: number;
  gaps: GapRecord[];
  /** Underlyings alert rules name: their figures come back in the summary. */
  watchUnderlyings?: UnderlyingWatch;
  /** Every rule's state (true: firing), for the Prometheus gauge of the worker holding the IB connection lease. */
  alertStates?: Record<string, boolean>;
}

/** Carried in DbWriteFailed details: what the fallback buffer must keep. Opaque to the workflow. */
export interface UnwrittenRows {
  snapshots: unknown[];
  apiLogs: unknown[];
  reason: string;
}

/** What acquireSession answers: the lease holder's own task queue, where the activities that need IB run. */
export interface SessionGrant {
  queue: string;
  workerId: string;
  /** Stable id of this worker's fallback buffer directory; absent from workers that predate it. */
  bufferId?: string;
}

export interface ResetOutcome {
  readyAt: number;
  /** ms from the end of the window (gateway back) to the adapter ready */
  reconnectMs: number;
  attempts: number;
}

export interface BridgeActivities {
  /** Shared task queue: the worker that picks it up takes (or already holds) the IB connection lease, and connects. */
  acquireSession(input: { account: string; workflowId: string }): Promise<SessionGrant>;
  /** Lease holder's queue: snapshot, aggregate, write one row. Throws DbWriteFailed when the write fails. */
  runCycle(input: CycleInput): Promise<CycleSummary>;
  /** Lease holder's queue: appends unwritten rows to the JSONL buffer. */
  bufferRows(input: UnwrittenRows): Promise<{ bufferedRows: number }>;
  /** Lease holder's queue: puts buffered rows back into Postgres; on failure writes `replay_failed` and throws. */
  replayBuffer(): Promise<{ replayed: number; duplicates: number; remainingRows: number }>;
  /** Shared queue: deletes rows older than the retention period. */
  applyRetention(input: { days: number }): Promise<{ snapshotsDeleted: number; apiLogsDeleted: number }>;
  /** Lease holder's queue: waits out the gateway's nightly restart, then reconnects and re-subscribes (heartbeats). */
  waitOutReset(input: { account: string; windowStart: number; windowEnd: number }): Promise<ResetOutcome>;
  /**
   * Shared queue: one alert transition to api_logs and, when configured, the webhook. Idempotent (the same key on
   * every attempt), so Temporal may retry it until the receiver takes it.
   */
  deliverAlert(input: AlertDelivery): Promise<{ webhookStatus: number | null }>;
}

export type { AlertDelivery, CycleSummary, GapRecord };
