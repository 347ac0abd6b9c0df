/**
 * Alert rules, their state and their transitions. Type-only plus constants: safe to import in the workflow bundle.
 * Everything here is plain JSON because rules travel in the workflow input and states across continue-as-new.
 */
import type { GreeksSource } from '../greeks/sources';

/** Greek figures a rule may watch, for the whole account or one underlying. */
export const GREEK_METRICS = ['delta', 'dollarDelta', 'gamma', 'vega', 'theta', 'betaWeightedDelta'] as const;
export type GreekMetric = (typeof GREEK_METRICS)[number];

export type AlertSeverity = 'warning' | 'critical';

interface RuleBase {
  /** Unique; names the Prometheus label, the api_logs key and the webhook's `rule`. */
  id: string;
  severity: AlertSeverity;
}

/** A value against a band: fires when it leaves [below, above], resolves once back inside by clearMargin for clearCycles cycles. */
export interface ThresholdRule extends RuleBase {
  kind: 'greek' | 'coverage' | 'buffer';
  metric: GreekMetric | 'coverage' | 'bufferedRows';
  /** null: the whole account. */
  underlying: string | null;
  above: number | null;
  below: number | null;
  clearMargin: number;
  clearCycles: number;
  /** A coverage rule's sources: only options whose Greeks came from one of them count as covered (absent: any allowed). */
  sources?: GreeksSource[];
}

/** No row committed to Postgres for this long (reset windows and pauses excepted). */
export interface NoCycleRule extends RuleBase {
  kind: 'no_cycle';
  minutes: number;
}

/** Gateway refusing connections (SOCKET) or Client Portal unauthenticated (PORTAL) this long beyond any reset window. */
export interface HumanNeededRule extends RuleBase {
  kind: 'human_needed';
  graceMinutes: number;
}

export type AlertRule = ThresholdRule | NoCycleRule | HumanNeededRule;
export type AlertKind = AlertRule['kind'];

/** The figures of one cycle that threshold rules read; null where the cycle had no value. */
export interface RiskFigures {
  delta: number | null;
  dollarDelta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
  betaWeightedDelta: number | null;
  coverage: number | null;
}

/** The account's figures: the risk figures, and what coverage rules by source read (absent in older histories). */
export interface AccountFigures extends RiskFigures {
  optionCount?: number;
  /** Covered options per source of their Greeks. */
  coveredBySource?: Partial<Record<GreeksSource, number>>;
}

/** What the workflow saw at one instant: after a cycle, or on a clock tick while no cycle can run. */
export interface AlertObservation {
  /** Epoch ms: the cycle's slot, or the workflow's clock. */
  at: number;
  /** Account figures of a cycle the broker answered; null when no snapshot was taken. */
  figures: AccountFigures | null;
  /** Figures of the underlyings rules name (only those). */
  underlyings: Record<string, Partial<RiskFigures>> | null;
  /** up: the broker answered; down: refused / unauthenticated; unknown: this observation says nothing about it. */
  gateway: 'up' | 'down' | 'unknown';
  /** With 'down', when the bridge knows it: what is wrong (e.g. the account is not one the login manages). */
  gatewayProblem?: string;
  bufferedRows: number;
  /** Slot of the last cycle whose row reached Postgres. */
  lastOkAt: number | null;
}

export interface RuleState {
  firing: boolean;
  /** When the rule last changed between firing and resolved (or started being watched). */
  since: number;
  /** Consecutive observations inside the band by the margin, while firing. */
  clearStreak: number;
  /** Description of the firing condition, shown in the current details. */
  message: string | null;
}

export interface AlertTransition {
  /** Unique per transition: `${ruleId}:${status}:${at}`. */
  id: string;
  ruleId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  at: number;
  /** For a resolution: when the alert had fired. */
  firingSince: number;
  value: number | null;
  threshold: number | null;
  message: string;
}

export interface AlertsState {
  /** When the workflow began watching: the reference for no_cycle before any cycle succeeded. */
  watchingSince: number;
  /** End of the last stretch in which no cycle was expected (reset window, pause): outage clocks start there. */
  excusedUntil: number | null;
  /** First observation of the current gateway outage. */
  gatewayDownSince: number | null;
  rules: Record<string, RuleState>;
  /** Transitions whose delivery has not finished yet; sent again by the next run after continue-as-new. */
  outbox: AlertTransition[];
}
