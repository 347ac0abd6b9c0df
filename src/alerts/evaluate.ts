import type { GreeksSource } from '../greeks/sources';
import { describeHumanNeeded, describeNoCycle, describeThreshold } from './describe';
import type {
  AccountFigures,
  AlertObservation,
  AlertRule,
  AlertsState,
  AlertTransition,
  HumanNeededRule,
  NoCycleRule,
  RuleState,
  ThresholdRule,
} from './types';

/**
 * Alert evaluation: a pure function of the rules, the previous state and one observation. No IO, no clock of its
 * own, no local-time getters: the workflow runs it after each cycle and replays it identically.
 */

const MINUTE_MS = 60_000;
/** Whole milliseconds, so the instant nextClockCheckAt names is one at which the rule does fire. */
const minutesToMs = (minutes: number) => Math.ceil(minutes * MINUTE_MS);

export function initialAlertsState(now: number): AlertsState {
  return { watchingSince: now, excusedUntil: null, gatewayDownSince: null, rules: {}, outbox: [] };
}

/**
 * No cycle was expected until `until` (a reset window, a pause): outage clocks restart there. A reset window also
 * takes the gateway away from its start (`gatewayDownFrom`), so a gateway that stays away after the window is an
 * outage measured from the window's end even if no cycle ever saw it refuse.
 */
export function excuseAlertsUntil(
  state: AlertsState,
  until: number,
  options: { gatewayDownFrom?: number } = {},
): AlertsState {
  return {
    ...state,
    excusedUntil: Math.max(state.excusedUntil ?? until, until),
    gatewayDownSince: state.gatewayDownSince ?? options.gatewayDownFrom ?? null,
  };
}

export interface Evaluation {
  state: AlertsState;
  transitions: AlertTransition[];
}

/** A rule's verdict on one observation: null leaves its state untouched (no value to judge). */
interface Verdict {
  breached: boolean;
  /** Inside the band by the margin: counts towards resolving. */
  clear: boolean;
  clearCycles: number;
  value: number | null;
  threshold: number | null;
  message: (firing: boolean) => string;
}

export function evaluateAlerts(rules: AlertRule[], previous: AlertsState, observation: AlertObservation): Evaluation {
  const gatewayDownSince =
    observation.gateway === 'down'
      ? (previous.gatewayDownSince ?? observation.at)
      : observation.gateway === 'up'
        ? null
        : previous.gatewayDownSince;
  const state: AlertsState = { ...previous, gatewayDownSince, rules: {} };
  const transitions: AlertTransition[] = [];

  for (const rule of rules) {
    const before: RuleState = previous.rules[rule.id] ?? {
      firing: false,
      since: observation.at,
      clearStreak: 0,
      message: null,
    };
    const verdict = judge(rule, state, observation);
    const after = verdict ? step(before, verdict, observation.at) : before;
    state.rules[rule.id] = after;
    if (verdict && after.firing !== before.firing) {
      const status = after.firing ? 'firing' : 'resolved';
      transitions.push({
        id: `${rule.id}:${status}:${observation.at}`,
        ruleId: rule.id,
        kind: rule.kind,
        severity: rule.severity,
        status,
        at: observation.at,
        firingSince: after.firing ? observation.at : before.since,
        value: verdict.value,
        threshold: verdict.threshold,
        message: verdict.message(after.firing),
      });
    }
  }
  return { state, transitions };
}

/** Hysteresis: fire on the first breach; resolve only after clearCycles consecutive clear observations. */
function step(before: RuleState, verdict: Verdict, at: number): RuleState {
  if (!before.firing) {
    return verdict.breached
      ? { firing: true, since: at, clearStreak: 0, message: verdict.message(true) }
      : { ...before, clearStreak: 0 };
  }
  const clearStreak = verdict.clear ? before.clearStreak + 1 : 0;
  if (clearStreak >= verdict.clearCycles) return { firing: false, since: at, clearStreak: 0, message: null };
  // While firing, the details show the latest value, not the one at the breach.
  return { ...before, clearStreak, message: verdict.breached ? verdict.message(true) : before.message };
}

function judge(rule: AlertRule, state: AlertsState, observation: AlertObservation): Verdict | null {
  switch (rule.kind) {
    case 'no_cycle':
      return judgeNoCycle(rule, state, observation);
    case 'human_needed':
      return judgeHumanNeeded(rule, state, observation);
    default:
      return judgeThreshold(rule, observation);
  }
}

function thresholdValue(rule: ThresholdRule, observation: AlertObservation): number | null {
  if (rule.metric === 'bufferedRows') return observation.bufferedRows;
  const figures = rule.underlying ? (observation.underlyings?.[rule.underlying] ?? null) : observation.figures;
  // Coverage by source is an account figure (the rules refuse it with an underlying).
  const value = rule.sources ? coverageBySource(observation.figures, rule.sources) : (figures?.[rule.metric] ?? null);
  return value !== null && Number.isFinite(value) ? value : null;
}

/** The share of options whose Greeks came from one of `sources`; 1 without options, as the aggregation's coverage. */
function coverageBySource(figures: AccountFigures | null, sources: readonly GreeksSource[]): number | null {
  if (!figures || figures.optionCount === undefined || !figures.coveredBySource) return null;
  if (figures.optionCount === 0) return 1;
  let covered = 0;
  for (const source of sources) covered += figures.coveredBySource[source] ?? 0;
  return covered / figures.optionCount;
}

function judgeThreshold(rule: ThresholdRule, observation: AlertObservation): Verdict | null {
  const value = thresholdValue(rule, observation);
  if (value === null) return null;
  const breached = (rule.above !== null && value > rule.above) || (rule.below !== null && value < rule.below);
  const clear =
    (rule.above === null || value <= rule.above - rule.clearMargin) &&
    (rule.below === null || value >= rule.below + rule.clearMargin);
  // The bound crossed, or for a value inside the band the nearer one (the one a resolution moved away from).
  const threshold =
    rule.above === null || rule.below === null
      ? (rule.above ?? rule.below)
      : Math.abs(value - rule.above) <= Math.abs(value - rule.below)
        ? rule.above
        : rule.below;
  return {
    breached,
    clear,
    clearCycles: rule.clearCycles,
    value,
    threshold,
    message: (firing) => describeThreshold(rule, value, firing),
  };
}

/** The later of the instants an outage clock may start from. */
const clockStart = (state: AlertsState, since: number) => Math.max(since, state.excusedUntil ?? since);

function judgeNoCycle(rule: NoCycleRule, state: AlertsState, observation: AlertObservation): Verdict {
  const sinceMs = observation.at - clockStart(state, Math.max(observation.lastOkAt ?? 0, state.watchingSince));
  const breached = sinceMs >= minutesToMs(rule.minutes);
  return {
    breached,
    clear: !breached,
    clearCycles: 1,
    value: sinceMs / MINUTE_MS,
    threshold: rule.minutes,
    message: (firing) => describeNoCycle(rule, sinceMs, observation.lastOkAt, firing),
  };
}

function judgeHumanNeeded(rule: HumanNeededRule, state: AlertsState, observation: AlertObservation): Verdict | null {
  // A failure that says nothing about the gateway (a worker gone, Postgres refusing) neither fires nor resolves.
  if (observation.gateway === 'unknown') return null;
  const downSince = state.gatewayDownSince;
  const downMs = downSince === null ? 0 : Math.max(0, observation.at - clockStart(state, downSince));
  const breached = downSince !== null && downMs >= minutesToMs(rule.graceMinutes);
  return {
    breached,
    clear: downSince === null,
    clearCycles: 1,
    value: downMs / MINUTE_MS,
    threshold: rule.graceMinutes,
    message: (firing) => describeHumanNeeded(rule, downMs, downSince, firing, observation.gatewayProblem),
  };
}

/**
 * When the next clock-only observation (one that carries `gateway`) could fire a time rule, or null when none
 * could. At that instant the rule does fire, so a caller that waits for it and observes always makes progress.
 */
export function nextClockCheckAt(
  rules: AlertRule[],
  state: AlertsState,
  lastOkAt: number | null,
  gateway: AlertObservation['gateway'],
): number | null {
  let next: number | null = null;
  const consider = (at: number) => (next = next === null ? at : Math.min(next, at));
  for (const rule of rules) {
    if (state.rules[rule.id]?.firing) continue;
    if (rule.kind === 'no_cycle') {
      consider(clockStart(state, Math.max(lastOkAt ?? 0, state.watchingSince)) + minutesToMs(rule.minutes));
    } else if (rule.kind === 'human_needed' && gateway === 'down' && state.gatewayDownSince !== null) {
      consider(clockStart(state, state.gatewayDownSince) + minutesToMs(rule.graceMinutes));
    }
  }
  return next;
}
