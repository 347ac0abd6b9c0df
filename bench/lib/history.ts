import type { Client, WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
export type HistoryEvent = NonNullable<History['events']>[number];

export interface RunHistory {
  runId: string;
  history: HistoryEvent[];
  events: number;
  cycles: number;
  /** How the run ended: 'continuedAsNew', 'terminated', ... (null while running). */
  closedBy: string | null;
}

export interface HistoryFigures {
  runs: RunHistory[];
  /** Events per cycle over the runs that ended in continue-as-new (all runs when none did). */
  eventsPerCycle: number;
  /** Mean cycles of the runs that ended in continue-as-new; null when no run got that far. */
  cyclesPerRun: number | null;
  /** Cycle activities that failed or timed out (after their retries): slots without a row. */
  failedCycles: number;
}

const CLOSING_EVENTS: Record<string, string> = {
  workflowExecutionContinuedAsNewEventAttributes: 'continuedAsNew',
  workflowExecutionTerminatedEventAttributes: 'terminated',
  workflowExecutionCompletedEventAttributes: 'completed',
  workflowExecutionFailedEventAttributes: 'failed',
  workflowExecutionTimedOutEventAttributes: 'timedOut',
  workflowExecutionCanceledEventAttributes: 'canceled',
};

/** Follows the continue-as-new chain from the first run and counts each run's events and cycle activities. */
export async function historyOf(client: Client, workflowId: string, firstRunId: string): Promise<HistoryFigures> {
  const runs: RunHistory[] = [];
  let failedCycles = 0;
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    let cycles = 0;
    let closedBy: string | null = null;
    let next: string | null | undefined = null;
    for (const event of events) {
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'runCycle') cycles += 1;
      if (event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes) failedCycles += 1;
      for (const [key, name] of Object.entries(CLOSING_EVENTS)) {
        if ((event as Record<string, unknown>)[key]) closedBy = name;
      }
      next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? next;
    }
    runs.push({ runId, history: events, events: events.length, cycles, closedBy });
    runId = next;
  }
  const complete = runs.filter((run) => run.closedBy === 'continuedAsNew' && run.cycles > 0);
  const counted = complete.length > 0 ? complete : runs;
  const sum = (pick: (run: RunHistory) => number) => counted.reduce((total, run) => total + pick(run), 0);
  return {
    runs,
    eventsPerCycle:
      sum((run) => run.events) /
      Math.max(
        1,
        sum((run) => run.cycles),
      ),
    cyclesPerRun: complete.length > 0 ? sum((run) => run.cycles) / complete.length : null,
    failedCycles,
  };
}
