import type { FiringAlert } from './alerting';
import { bufferedByWorker, totalBufferedRows } from './bufferedRows';
import type { BridgeSettings, BridgeState, BridgeStatus } from './types';

/** What the `status` query answers about the running workflow, besides its settings and state. */
export interface RunFacts {
  workflowId: string;
  historyLength: number;
  cyclesThisRun: number;
  nextResetAt: number;
  firing: FiringAlert[];
}

/** The `status` query's answer: instants as ISO strings, buffered rows summed over every worker. */
export function statusOf(settings: BridgeSettings, state: BridgeState, run: RunFacts): BridgeStatus {
  return {
    workflowId: run.workflowId,
    account: settings.account,
    state: state.paused ? 'paused' : state.state,
    paused: state.paused,
    pauseReason: state.pauseReason,
    intervalMs: settings.intervalMs,
    lastCycle: state.lastCycle,
    lastOkAt: state.lastOkAt === null ? null : new Date(state.lastOkAt).toISOString(),
    bufferedRows: totalBufferedRows(state),
    bufferedByWorker: bufferedByWorker(state),
    replayFailure: state.replayFailure
      ? { ...state.replayFailure, at: new Date(state.replayFailure.at).toISOString() }
      : null,
    cyclesTotal: state.cyclesTotal,
    cyclesThisRun: run.cyclesThisRun,
    skippedSlotsTotal: state.skippedSlotsTotal,
    nextResetAt: new Date(run.nextResetAt).toISOString(),
    sessionQueue: state.sessionQueue,
    historyLength: run.historyLength,
    runs: state.runs,
    alertsFiring: run.firing.map((alert) => ({ ...alert, since: new Date(alert.since).toISOString() })),
  };
}
