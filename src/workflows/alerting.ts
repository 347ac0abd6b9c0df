import { condition, log, patched, proxyActivities } from '@temporalio/workflow';
import type { BridgeActivities } from '../activities/types';
import { evaluateAlerts, excuseAlertsUntil, initialAlertsState, nextClockCheckAt } from '../alerts/evaluate';
import type { AccountFigures, AlertObservation, AlertRule, AlertsState, AlertTransition } from '../alerts/types';
import { watchedUnderlyings, type UnderlyingWatch } from '../alerts/underlyings';
import type { BridgeSettings, BridgeState, CycleSummary } from './types';

/**
 * Alerts inside the workflow. Evaluation runs here, not in the cycle activity, because the workflow is the only
 * part that sees every reason a number is missing (a reset window, a failover, a worker that never picks the cycle
 * up, a gateway that stays away after the window) and the only place whose state survives continue-as-new. It is a
 * pure function of the observation, so it adds no history events; only a transition schedules an activity.
 */

/** Marks every command alerts add (delivery activities, clock timers): histories from before replay unchanged. */
const ALERTS_PATCH = 'alerts';
const DEFAULT_DELIVERY_RETRY_MS = 1000;

export interface FiringAlert {
  rule: string;
  severity: string;
  since: number;
  message: string;
}

export interface Alerting {
  /** Extra runCycle input: the figures the rules need and the states for the Prometheus gauge. */
  cycleInput(): { watchUnderlyings?: UnderlyingWatch; alertStates?: Record<string, boolean> };
  /** After a cycle the broker answered (`written`, `duplicate` or `ib_unavailable`). */
  observeCycle(summary: CycleSummary): void;
  /** After a cycle that produced no summary; `gateway` says what the failure tells about the gateway. */
  observeFailure(slotAt: number, gateway: AlertObservation['gateway']): void;
  /** No cycle is expected until `until`; a reset window also takes the gateway away from its start. */
  excuse(until: number, gatewayDownFrom?: number): void;
  /** Awaits long work (a reset window, the session handshake) while time rules keep their clock. */
  during<T>(work: Promise<T>, gateway: AlertObservation['gateway']): Promise<T>;
  /** True when no delivery is in flight, so continue-as-new leaves nothing half-sent behind. */
  settled(): boolean;
  firing(): FiringAlert[];
}

export function createAlerting(
  settings: BridgeSettings,
  state: BridgeState,
  workflowId: string,
  onChange: () => void,
): Alerting {
  const rules: AlertRule[] = settings.alerts?.rules ?? [];
  const underlyings = watchedUnderlyings(rules);
  const hasClockRules = rules.some((rule) => rule.kind === 'no_cycle' || rule.kind === 'human_needed');
  let inFlight = 0;

  const deliveries = proxyActivities<BridgeActivities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '1h',
    retry: {
      initialInterval: settings.alerts?.deliveryRetryMs ?? DEFAULT_DELIVERY_RETRY_MS,
      backoffCoefficient: 2,
      maximumInterval: '1m',
    },
  });

  if (rules.length > 0) state.alerts ??= initialAlertsState(Date.now());
  // Transitions the previous run could not finish delivering: same keys, so a receiver that got one dedups it.
  for (const transition of state.alerts?.outbox ?? []) deliver(transition);

  function alerts(): AlertsState {
    return state.alerts as AlertsState;
  }

  /** Started, never awaited: a slow or failing receiver must not hold up the next cycle. */
  function deliver(transition: AlertTransition): void {
    if (!patched(ALERTS_PATCH)) return;
    inFlight += 1;
    deliveries
      .deliverAlert({ workflowId, account: settings.account, transition })
      .catch((err) => log.warn('alert delivery gave up', { alert: transition.id, error: String(err) }))
      .finally(() => {
        inFlight -= 1;
        alerts().outbox = alerts().outbox.filter((pending) => pending.id !== transition.id);
      });
  }

  function observe(observation: AlertObservation): void {
    if (rules.length === 0) return;
    const { state: next, transitions } = evaluateAlerts(rules, alerts(), observation);
    state.alerts = { ...next, outbox: [...next.outbox, ...transitions] };
    for (const transition of transitions) {
      log.info(`alert ${transition.status}: ${transition.ruleId}`, { message: transition.message });
      deliver(transition);
    }
    if (transitions.length > 0) onChange();
  }

  function figuresOf(summary: CycleSummary): AccountFigures {
    return {
      delta: summary.netDelta,
      dollarDelta: summary.netDollarDelta ?? null,
      gamma: summary.netGamma,
      vega: summary.netVega,
      theta: summary.netTheta,
      betaWeightedDelta: summary.betaWeightedDelta ?? null,
      coverage: summary.coverage,
      optionCount: summary.optionCount,
      ...(summary.coveredBySource ? { coveredBySource: summary.coveredBySource } : {}),
    };
  }

  function observeFailure(slotAt: number, gateway: AlertObservation['gateway']): void {
    observe({
      at: slotAt,
      figures: null,
      underlyings: null,
      gateway,
      bufferedRows: state.bufferedRows,
      lastOkAt: state.lastOkAt,
    });
  }

  return {
    cycleInput() {
      if (rules.length === 0) return {};
      const alertStates: Record<string, boolean> = {};
      for (const rule of rules) alertStates[rule.id] = alerts().rules[rule.id]?.firing ?? false;
      return { alertStates, ...(Object.keys(underlyings).length > 0 ? { watchUnderlyings: underlyings } : {}) };
    },

    observeCycle(summary) {
      const answered = summary.outcome !== 'ib_unavailable';
      observe({
        at: summary.slotAt,
        figures: answered ? figuresOf(summary) : null,
        underlyings: answered ? (summary.underlyings ?? null) : null,
        // A position list still loading is a gateway that answers, just not yet completely: no human is needed.
        gateway: answered ? 'up' : summary.unavailableReason === 'positions_loading' ? 'unknown' : 'down',
        // What the cycle knows better than "refused or not logged in": a login without the account, an acknowledgement
        // to sign. Older histories mark only the first, by its reason.
        ...((summary.humanAction || summary.unavailableReason === 'account_not_managed') && summary.unavailableMessage
          ? { gatewayProblem: summary.unavailableMessage }
          : {}),
        bufferedRows: state.bufferedRows,
        lastOkAt: state.lastOkAt,
      });
    },

    observeFailure,

    excuse(until, gatewayDownFrom) {
      if (rules.length === 0) return;
      state.alerts = excuseAlertsUntil(alerts(), until, { gatewayDownFrom });
    },

    async during(work, gateway) {
      if (!hasClockRules) return work;
      let done = false;
      const tracked = work.finally(() => (done = true));
      tracked.catch(() => undefined); // observed by the caller's await below
      for (;;) {
        const dueAt = nextClockCheckAt(rules, alerts(), state.lastOkAt, gateway);
        if (done || dueAt === null) return tracked;
        const waitMs = dueAt - Date.now();
        if (waitMs > 0) {
          if (!patched(ALERTS_PATCH)) return tracked;
          await condition(() => done, waitMs, { summary: 'alert clock' });
          if (done) return tracked;
        }
        observeFailure(Date.now(), gateway);
      }
    },

    settled() {
      return inFlight === 0;
    },

    firing() {
      if (rules.length === 0) return [];
      return rules
        .filter((rule) => alerts().rules[rule.id]?.firing)
        .map((rule) => {
          const ruleState = alerts().rules[rule.id];
          return { rule: rule.id, severity: rule.severity, since: ruleState.since, message: ruleState.message ?? '' };
        });
    },
  };
}
