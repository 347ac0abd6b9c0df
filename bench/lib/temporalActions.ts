import type { HistoryEvent } from './history';

/**
 * Temporal Cloud bills "Actions". From a workflow's event history this counts the ones the history shows, by the
 * categories of Temporal Cloud's Actions page (docs.temporal.io/cloud/actions): a workflow started (first start and
 * each continue-as-new), a timer started, an activity attempt started (so retries count), a signal received, a
 * search-attribute upsert. Markers (patch and side-effect markers) are listed apart: a few per run, whatever the
 * billing says of them. Queries and updates never reach the history; they are the operators' (each `bridge status`
 * or Web UI query is one action) and are left out.
 */
export const BILLED_EVENTS = {
  workflowExecutionStartedEventAttributes: 'workflow started',
  timerStartedEventAttributes: 'timer started',
  activityTaskStartedEventAttributes: 'activity attempt',
  workflowExecutionSignaledEventAttributes: 'signal',
  upsertWorkflowSearchAttributesEventAttributes: 'search attributes upserted',
} as const;
export type ActionKind = (typeof BILLED_EVENTS)[keyof typeof BILLED_EVENTS];

export interface ActionCount {
  byKind: Record<ActionKind, number>;
  total: number;
  /** MarkerRecorded events (patches, side effects): reported, not in total. */
  markers: number;
  /** Cycle activities scheduled: the slots the histories cover. */
  cycles: number;
}

export function countActions(histories: HistoryEvent[][]): ActionCount {
  const byKind = Object.fromEntries(Object.values(BILLED_EVENTS).map((kind) => [kind, 0])) as Record<
    ActionKind,
    number
  >;
  let markers = 0;
  let cycles = 0;
  for (const events of histories) {
    for (const event of events) {
      for (const [attributes, kind] of Object.entries(BILLED_EVENTS) as [keyof typeof BILLED_EVENTS, ActionKind][]) {
        if (event[attributes]) byKind[kind] += 1;
      }
      if (event.markerRecordedEventAttributes) markers += 1;
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'runCycle') cycles += 1;
    }
  }
  const total = Object.values(byKind).reduce((sum, n) => sum + n, 0);
  return { byKind, total, markers, cycles };
}

/** Actions a day for one account's bridge running every `intervalMs`, scaled from the cycles the histories cover. */
export function actionsPerDay(count: ActionCount, intervalMs: number): number {
  if (count.cycles === 0) return 0;
  return Math.round((count.total / count.cycles) * (86_400_000 / intervalMs));
}
