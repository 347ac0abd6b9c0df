import type { BridgeState, BufferReport } from './types';

/** Rows waiting in every worker's fallback buffer: the session worker's, and what the others last reported. */
export function totalBufferedRows(state: Pick<BridgeState, 'bufferedRows' | 'bufferedElsewhere'>): number {
  let total = state.bufferedRows;
  for (const report of Object.values(state.bufferedElsewhere ?? {})) total += report.rows;
  return total;
}

/** The same rows by buffer id; the session worker's under its id (`session` when it did not say). */
export function bufferedByWorker(
  state: Pick<BridgeState, 'bufferedRows' | 'bufferedElsewhere' | 'sessionBufferId'>,
): Record<string, number> {
  const rows: Record<string, number> = {};
  if (state.bufferedRows > 0) rows[state.sessionBufferId ?? 'session'] = state.bufferedRows;
  for (const report of Object.values(state.bufferedElsewhere ?? {})) rows[report.bufferId] = report.rows;
  return rows;
}

type SessionBuffer = Pick<BridgeState, 'bufferedRows' | 'sessionBufferId' | 'bufferedElsewhere'>;

/**
 * The other workers' counts after `report`; null when it changes nothing. The session worker's rows come back with
 * its cycles, so a report with its buffer id is stale (sent before it took the session); so is one older than the
 * report already kept. A report of no rows removes the worker.
 */
export function withBufferReport(
  state: SessionBuffer,
  report: BufferReport | null | undefined,
): Record<string, BufferReport> | null {
  if (!report || typeof report.bufferId !== 'string' || report.bufferId === state.sessionBufferId) return null;
  const reports = { ...(state.bufferedElsewhere ?? {}) };
  const known = reports[report.bufferId];
  if (known && known.at > report.at) return null;
  if (report.rows > 0) reports[report.bufferId] = { bufferId: report.bufferId, rows: report.rows, at: report.at };
  else delete reports[report.bufferId];
  return reports;
}

/**
 * A worker with buffer `bufferId` took the session: its last reported rows move from "elsewhere" to the session
 * worker's count, until its first cycle reports them afresh.
 */
export function takeSessionBuffer(state: SessionBuffer, bufferId: string | null): Required<SessionBuffer> {
  const reports = { ...(state.bufferedElsewhere ?? {}) };
  const bufferedRows = bufferId ? (reports[bufferId]?.rows ?? 0) : 0;
  if (bufferId) delete reports[bufferId];
  return { bufferedRows, bufferedElsewhere: reports, sessionBufferId: bufferId };
}

/**
 * The session worker is gone at `at`: its buffered rows are still on its disk, so they stay counted, as its report,
 * until it reports again.
 */
export function releaseSessionBuffer(state: SessionBuffer, at: number): SessionBuffer {
  const released: SessionBuffer = { bufferedRows: 0, sessionBufferId: null };
  if (state.sessionBufferId && state.bufferedRows > 0) {
    released.bufferedElsewhere = {
      ...(state.bufferedElsewhere ?? {}),
      [state.sessionBufferId]: { bufferId: state.sessionBufferId, rows: state.bufferedRows, at },
    };
  }
  return released;
}
