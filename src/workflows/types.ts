/** Types shared by the workflow, its activities and the CLI. Type-only: safe to import in the workflow bundle. */
import type { AlertRule, AlertsState, RiskFigures } from '../alerts/types';
import type { GreeksSource } from '../greeks/sources';

export type BridgeStateName = 'starting' | 'ready' | 'paused' | 'degraded' | 'resetting' | 'disconnected';

export interface BridgeSettings {
  account: string;
  intervalMs: number;
  reset: { time: string; timeZone: string; durationMs: number };
  /** Continue-as-new after this many cycles in one run (or when the server suggests it). */
  maxCyclesPerRun: number;
  /** ... or when the history reaches this many events. */
  maxHistoryEventsPerRun: number;
  /** How long a cycle may wait for the connection-holding worker before the workflow fails over. */
  sessionScheduleToStartMs: number;
  /**
   * Start-to-close of one cycle activity attempt, at most: the workflow shortens it (and drops attempts) so that every
   * attempt, its backoff and the fallback buffer fit in the interval (see cycleRetryPlan).
   */
  cycleTimeoutMs: number;
  /** Attempts of the cycle activity before the fallback buffer takes the rows, at most (see cycleRetryPlan). */
  cycleAttempts: number;
  /** Backoff between attempts of the cycle activity. */
  cycleRetryMs: number;
  /**
   * The workflow wakes this long before each slot and the cycle activity waits for the slot's instant itself, so
   * Temporal's timer and task latency (about 0.1 s on a dev server) is spent before the slot, not added to it. At
   * most half the interval. Absent in workflows started before it existed: they wake at the slot, as they did.
   */
  cycleLeadMs?: number;
  /** GREEKS_RETENTION_DAYS: rows older than this are deleted once per run; null keeps everything. */
  retentionDays?: number | null;
  /** ALERT_RULES / ALERT_RULES_FILE. Absent or empty: no alerts, and the workflow's commands are what they were. */
  alerts?: AlertSettings;
  /**
   * false: the namespace lacks the bridge's search attributes (Temporal Cloud creates them in its UI, not through the
   * operator API), so the workflow publishes its state only in its details. Absent: published as always.
   */
  searchAttributes?: boolean;
}

export interface AlertSettings {
  rules: AlertRule[];
  /** First retry of a failed alert delivery (webhook); doubles up to a minute. Default 1000. */
  deliveryRetryMs?: number;
}

export const DEFAULT_SETTINGS: Omit<BridgeSettings, 'account'> = {
  intervalMs: 5000,
  reset: { time: '23:45', timeZone: 'America/New_York', durationMs: 15 * 60_000 },
  maxCyclesPerRun: 300,
  maxHistoryEventsPerRun: 3000,
  // A live session worker picks a task up in milliseconds; a dead one costs this much before the failover starts.
  sessionScheduleToStartMs: 4000,
  cycleTimeoutMs: 1500,
  cycleAttempts: 2,
  cycleRetryMs: 500,
  cycleLeadMs: 500,
};

/**
 * Why a cycle took no snapshot. ib_unavailable: the IB connection was not ready; positions_loading: the position
 * list of the current session was not complete yet; account_not_managed: the configured account is not among the
 * accounts the login manages.
 */
export type UnavailableReason = 'ib_unavailable' | 'positions_loading' | 'account_not_managed';

/** What one cycle activity returns: a few numbers, never per-position data (it lands in history). */
export interface CycleSummary {
  cycleKey: string;
  slotAt: number;
  /** 'written': row committed; 'duplicate': already there (a retried cycle); 'ib_unavailable': no snapshot taken. */
  outcome: 'written' | 'duplicate' | 'ib_unavailable';
  /** With 'ib_unavailable': why, and what to do about it (absent in older histories: the connection). */
  unavailableReason?: UnavailableReason;
  unavailableMessage?: string;
  /** The unavailability waits on a person, and unavailableMessage says what to do (absent in older histories). */
  humanAction?: boolean;
  connection: 'connecting' | 'ready' | 'degraded' | 'down';
  latencyMs: number;
  netDelta: number | null;
  netGamma: number | null;
  netVega: number | null;
  netTheta: number | null;
  coverage: number | null;
  optionCount: number;
  /** Covered options per source of their Greeks; absent in older histories. */
  coveredBySource?: Partial<Record<GreeksSource, number>>;
  bufferedRows: number;
  /** Added with alerts; absent in older histories. */
  netDollarDelta?: number | null;
  betaWeightedDelta?: number | null;
  /** Figures of the underlyings alert rules name, and only those. */
  underlyings?: Record<string, Partial<RiskFigures>>;
}

/** Why slots produced no row; each one is described in docs/database.md. */
export type GapReason =
  | 'paused'
  | 'worker_unavailable'
  | 'lease_unavailable'
  | 'reset_window'
  | 'reset_overrun'
  | UnavailableReason
  | 'db_unavailable'
  | 'temporal_unavailable'
  | 'overrun'
  | 'buffer_unavailable'
  | 'cycle_failed';

/** Slots that produced no row, reported to the next cycle activity so they land in api_logs. */
export interface GapRecord {
  from: number;
  to: number;
  slots: number;
  reason: GapReason;
  /** When a long outage produced more gaps than a cycle carries, older ones are folded together: their reasons. */
  otherReasons?: GapRecord['reason'][];
}

export interface BridgeState {
  /** Slot k starts at gridStart + k·intervalMs. */
  gridStart: number;
  nextSlot: number;
  paused: boolean;
  pauseReason: string | null;
  state: BridgeStateName;
  /** Worker-specific task queue of the worker holding the IB connection. */
  sessionQueue: string | null;
  lastCycle: CycleSummary | null;
  lastOkAt: number | null;
  bufferedRows: number;
  cyclesTotal: number;
  skippedSlotsTotal: number;
  pendingGaps: GapRecord[];
  runs: number;
  /** Per-rule alert states and undelivered transitions; absent before alerts existed or when none are configured. */
  alerts?: AlertsState;
  /** Buffer id of the worker holding the session (its rows are `bufferedRows`); absent in older runs. */
  sessionBufferId?: string | null;
  /** Rows waiting in the buffers of workers that do not hold the session, by buffer id, as they last reported. */
  bufferedElsewhere?: Record<string, BufferReport>;
  /** The last replay of the session worker's buffer failed: when, why, how many times in a row. */
  replayFailure?: ReplayFailure | null;
}

/** What a stopping session worker says once it has closed its IB connection and released the lease (signal `sessionReleased`). */
export interface SessionRelease {
  /** The session queue it was granted; a release for any other queue is stale and changes nothing. */
  queue: string;
  workerId: string;
  /** Worker clock when released. */
  at: number;
}

/** What a worker says about its fallback buffer (signal `bufferReport`). */
export interface BufferReport {
  /** Stable id of the buffer directory, so a restarted worker replaces its earlier report. */
  bufferId: string;
  rows: number;
  /** Worker clock when counted; an older report never overwrites a newer one. */
  at: number;
}

export interface ReplayFailure {
  at: number;
  message: string;
  failures: number;
}

export interface BridgeInput {
  settings: BridgeSettings;
  state?: BridgeState;
}

export interface BridgeStatus {
  workflowId: string;
  account: string;
  state: BridgeStateName;
  paused: boolean;
  pauseReason: string | null;
  intervalMs: number;
  lastCycle: CycleSummary | null;
  lastOkAt: string | null;
  /** Rows waiting in every worker's fallback buffer (the session worker's and the others' last reports). */
  bufferedRows: number;
  /** The same rows by buffer id (one per worker directory); the session worker's under its id or `session`. Always set
   * by the workflow; optional for readers of older statuses. */
  bufferedByWorker?: Record<string, number>;
  /** The last replay failed (rows stay buffered and are tried again); null when it works. */
  replayFailure?: { at: string; message: string; failures: number } | null;
  cyclesTotal: number;
  cyclesThisRun: number;
  skippedSlotsTotal: number;
  nextResetAt: string;
  sessionQueue: string | null;
  historyLength: number;
  runs: number;
  /** Alerts firing now, with what they say. */
  alertsFiring: Array<{ rule: string; severity: string; since: string; message: string }>;
}
