import { tsToMs } from '@temporalio/common/lib/time';
import type { HistoryEvent } from './history';

/** Stages of one cycle, as the server timestamped them in the history. */
export const STAGES = [
  /** TimerFired minus (TimerStarted + its duration): how late the server fired the cycle's timer. */
  'timer_late',
  /** Workflow task after the timer: scheduled → picked up by the worker. */
  'wft1_wait',
  /** ... picked up → completed (workflow code, activation round trip, the completion RPC). */
  'wft1_run',
  /** Cycle activity: scheduled → started on the session worker (matching + poll). */
  'activity_wait',
  /** ... started → completed (snapshot, aggregate, write, buffer check, completion RPC). */
  'activity_run',
  /** Workflow task after the activity: scheduled → picked up. */
  'wft2_wait',
  /** ... picked up → completed (starts the next timer). */
  'wft2_run',
] as const;
export type Stage = (typeof STAGES)[number];

/** Per-stage durations (ms) of every cycle in the given histories. */
export function breakdown(histories: HistoryEvent[][]): Record<Stage, number[]> {
  const stages = Object.fromEntries(STAGES.map((stage) => [stage, [] as number[]])) as Record<Stage, number[]>;
  for (const events of histories) {
    const timerDue = new Map<string, number>();
    let wftAfter: 'timer' | 'activity' | null = null;
    let wftScheduledAt = 0;
    let wftStartedAt = 0;
    let previous: HistoryEvent | null = null;
    let activityScheduledAt = 0;
    let activityStartedAt = 0;
    for (const event of events) {
      const at = tsToMs(event.eventTime);
      if (event.timerStartedEventAttributes) {
        const attributes = event.timerStartedEventAttributes;
        timerDue.set(String(attributes.timerId), at + tsToMs(attributes.startToFireTimeout));
      } else if (event.timerFiredEventAttributes) {
        const due = timerDue.get(String(event.timerFiredEventAttributes.timerId));
        if (due !== undefined) stages.timer_late.push(at - due);
      } else if (event.workflowTaskScheduledEventAttributes) {
        wftAfter = previous?.timerFiredEventAttributes
          ? 'timer'
          : previous?.activityTaskCompletedEventAttributes
            ? 'activity'
            : null;
        wftScheduledAt = at;
      } else if (event.workflowTaskStartedEventAttributes) {
        wftStartedAt = at;
      } else if (event.workflowTaskCompletedEventAttributes && wftAfter) {
        const prefix = wftAfter === 'timer' ? 'wft1' : 'wft2';
        stages[`${prefix}_wait`].push(wftStartedAt - wftScheduledAt);
        stages[`${prefix}_run`].push(at - wftStartedAt);
      } else if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'runCycle') {
        activityScheduledAt = at;
        activityStartedAt = 0;
      } else if (event.activityTaskStartedEventAttributes && activityScheduledAt) {
        activityStartedAt = at;
      } else if (event.activityTaskCompletedEventAttributes && activityStartedAt) {
        stages.activity_wait.push(activityStartedAt - activityScheduledAt);
        stages.activity_run.push(at - activityStartedAt);
        activityScheduledAt = 0;
      }
      previous = event;
    }
  }
  return stages;
}
