/** The parts of a history event (as `historyToJSON` writes it) that the race below is read from. */
export interface HistoryEvent {
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
}

/**
 * How many workflow tasks were handed both a `runCycle` and a `replayBuffer` completion and answered with the loop's
 * next timer before the replay's search attribute upsert. In such a task the order of the two commands depends on how
 * many turns of the event loop the workflow code takes to reach each: the order a refactoring must keep.
 */
export function cycleAndReplayInOneTask(events: HistoryEvent[]): number {
  const activityType = new Map<string, string>();
  let handed: string[] = [];
  let raced = 0;
  events.forEach((event, index) => {
    if (event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') {
      activityType.set(event.eventId, event.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
    } else if (event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED') {
      handed.push(activityType.get(event.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') ?? '');
    } else if (event.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED') {
      const both = handed.includes('runCycle') && handed.includes('replayBuffer');
      handed = [];
      if (!both) return;
      const commands = [];
      for (let i = index + 2; i < events.length && events[i].eventType !== 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED'; i++) {
        commands.push(events[i].eventType);
      }
      const timer = commands.indexOf('EVENT_TYPE_TIMER_STARTED');
      const upsert = commands.indexOf('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES');
      if (timer >= 0 && upsert > timer) raced += 1;
    }
  });
  return raced;
}
