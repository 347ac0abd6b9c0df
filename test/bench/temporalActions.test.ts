import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionsPerDay, countActions } from '../../bench/lib/temporalActions';
import type { HistoryEvent } from '../../bench/lib/history';

/** A history as the SDK's fetchHistory gives it: events with one `…EventAttributes` each. */
function event(attributes: string, extra: Record<string, unknown> = {}): HistoryEvent {
  return { [attributes]: extra } as unknown as HistoryEvent;
}

const cycle = (retries = 0): HistoryEvent[] => [
  event('workflowTaskScheduledEventAttributes'),
  event('workflowTaskStartedEventAttributes'),
  event('workflowTaskCompletedEventAttributes'),
  event('timerStartedEventAttributes'),
  event('timerFiredEventAttributes'),
  event('activityTaskScheduledEventAttributes', { activityType: { name: 'runCycle' } }),
  ...Array.from({ length: retries + 1 }, () => event('activityTaskStartedEventAttributes')),
  event('activityTaskCompletedEventAttributes'),
];

describe('Temporal Cloud actions counted from a history', () => {
  it('counts one timer and one activity attempt per cycle, each retry, starts, signals and upserts; not markers', () => {
    const history = [
      event('workflowExecutionStartedEventAttributes'),
      event('markerRecordedEventAttributes'),
      event('upsertWorkflowSearchAttributesEventAttributes'),
      ...cycle(),
      ...cycle(2),
      event('workflowExecutionSignaledEventAttributes'),
      ...cycle(),
    ];
    const count = countActions([history]);
    expect(count.byKind).toEqual({
      'workflow started': 1,
      'timer started': 3,
      'activity attempt': 5,
      signal: 1,
      'search attributes upserted': 1,
    });
    expect(count).toMatchObject({ total: 11, markers: 1, cycles: 3 });
    // 11 actions over 3 cycles, 17,280 five-second slots a day.
    expect(actionsPerDay(count, 5000)).toBe(Math.round((11 / 3) * 17_280));
    expect(actionsPerDay(countActions([]), 5000)).toBe(0);
  });

  it('reads a recorded history of the bridge (the JSON the Web UI downloads)', () => {
    const file = join(__dirname, '..', 'replay', 'histories', 'reset-window.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { events: Array<Record<string, unknown>> };
    const count = countActions([raw.events as unknown as HistoryEvent[]]);
    const types = raw.events.map((e) => e.eventType as string);
    const of = (type: string) => types.filter((t) => t === `EVENT_TYPE_${type}`).length;
    expect(count.byKind['timer started']).toBe(of('TIMER_STARTED'));
    expect(count.byKind['activity attempt']).toBe(of('ACTIVITY_TASK_STARTED'));
    expect(count.byKind['search attributes upserted']).toBe(of('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'));
    expect(count.byKind['workflow started']).toBe(1);
    expect(count.cycles).toBeGreaterThan(0);
  });
});
