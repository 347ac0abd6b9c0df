import type { BridgeState } from './types';

/** Rows waiting in every worker's fallback buffer: the session worker's, and what the others last reported. */
export function totalBufferedRows(state: BridgeState): number {
  let total = state.bufferedRows;
  for (const report of Object.values(state.bufferedElsewhere ?? {})) total += report.rows;
  return total;
}

/** The same rows by buffer id; the session worker's under its id (`session` when it did not say). */
export function bufferedByWorker(state: BridgeState): Record<string, number> {
  const rows: Record<string, number> = {};
  if (state.bufferedRows > 0) rows[state.sessionBufferId ?? 'session'] = state.bufferedRows;
  for (const report of Object.values(state.bufferedElsewhere ?? {})) rows[report.bufferId] = report.rows;
  return rows;
}
