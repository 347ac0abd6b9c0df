import type { ApiMode, BrokerEventType } from '../broker/types';
import type { ApiLogRow } from './types';

/**
 * Every value of api_logs.event. The column is plain text so that a new event needs no migration; this list is
 * what keeps the writers, docs/database.md and the queries that filter on it (Grafana, the fault suite) in step.
 */

/** The broker adapters' lifecycle events, each written as it happens (src/worker forwards them). */
const BROKER_EVENTS = [
  'connecting',
  'connected',
  'ready',
  'disconnected',
  'status_1100',
  'status_1101',
  'status_1102',
  'farm_status',
  'stalled',
  'reconnect',
  'client_id_in_use',
  'market_data_type_fallback',
  'line_budget_exceeded',
  'pacing',
  'auth_lost',
  'reauthenticated',
  'rate_limited',
  'outage',
  'bad_input',
  'account_not_managed',
  'error',
] as const satisfies readonly BrokerEventType[];

/**
 * Events the bridge writes itself: the grid's gaps, the fallback buffer, a stopping worker's handover of the IB
 * session, the nightly reset window, alerts.
 */
const BRIDGE_EVENTS = [
  'cycles_skipped',
  'bad_input',
  'fallback_engaged',
  'replay_done',
  'replay_failed',
  'session_handover',
  'reset_window_entered',
  'reset_window_left',
  'alert_fired',
  'alert_resolved',
] as const;

type BridgeEventName = (typeof BRIDGE_EVENTS)[number];
export type ApiLogEvent = BrokerEventType | BridgeEventName;

/** A broker event type missing from BROKER_EVENTS fails to compile here, so the list cannot fall behind the union. */
type UnlistedBrokerEvent = Exclude<BrokerEventType, (typeof BROKER_EVENTS)[number]>;
const brokerEventsComplete: [UnlistedBrokerEvent] extends [never] ? true : UnlistedBrokerEvent = true;
void brokerEventsComplete;

/** Every event name, once (bad_input is both the adapters' and the aggregation's). */
export const API_LOG_EVENTS: readonly ApiLogEvent[] = [...new Set<ApiLogEvent>([...BROKER_EVENTS, ...BRIDGE_EVENTS])];

export interface ApiLogFields {
  /** Idempotency key: the same event written twice (a retried activity, a replayed buffer) is stored once. */
  key: string;
  /** Epoch ms of the event. */
  at: number;
  /** Absent for events that concern no single account (e.g. a replay of the whole buffer). */
  account?: string | null;
  mode?: ApiMode | null;
  /** IB error or status code, when the event came from one. */
  code?: number | null;
  message: string;
  details?: Record<string, unknown> | null;
}

/** The one way to build an api_logs row: the event name is checked by the compiler, absent fields are null. */
export function apiLogRow(event: ApiLogEvent, fields: ApiLogFields): ApiLogRow {
  return {
    key: fields.key,
    at: fields.at,
    account: fields.account ?? null,
    mode: fields.mode ?? null,
    event,
    code: fields.code ?? null,
    message: fields.message,
    details: fields.details ?? null,
  };
}
