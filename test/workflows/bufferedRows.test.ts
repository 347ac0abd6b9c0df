import {
  bufferedByWorker,
  releaseSessionBuffer,
  takeSessionBuffer,
  totalBufferedRows,
  withBufferReport,
} from '../../src/workflows/bufferedRows';
import { deepFreeze } from './deepFreeze';

const AT = 1_700_000_000_000;

/** The session worker `a` has 5 rows buffered; worker `b` last reported 3. */
const counts = deepFreeze({
  bufferedRows: 5,
  sessionBufferId: 'a',
  bufferedElsewhere: { b: { bufferId: 'b', rows: 3, at: AT } },
});

describe('rows buffered by every worker', () => {
  it('adds the session worker’s rows to the others’ reports, and lists them by buffer', () => {
    expect(totalBufferedRows(counts)).toBe(8);
    expect(bufferedByWorker({ ...counts, sessionBufferId: null })).toEqual({ session: 5, b: 3 });
  });

  it('keeps a newer report, removes a worker that reports none, and ignores stale and own reports', () => {
    expect(withBufferReport(counts, { bufferId: 'b', rows: 4, at: AT + 1 })).toEqual({
      b: { bufferId: 'b', rows: 4, at: AT + 1 },
    });
    expect(withBufferReport(counts, { bufferId: 'c', rows: 2, at: AT })).toEqual({
      b: { bufferId: 'b', rows: 3, at: AT },
      c: { bufferId: 'c', rows: 2, at: AT },
    });
    expect(withBufferReport(counts, { bufferId: 'b', rows: 0, at: AT + 1 })).toEqual({});
    // Older than what is known: a report that overtook it already counted.
    expect(withBufferReport(counts, { bufferId: 'b', rows: 9, at: AT - 1 })).toBeNull();
    // The session worker's own rows come back with its cycles.
    expect(withBufferReport(counts, { bufferId: 'a', rows: 9, at: AT + 1 })).toBeNull();
    expect(withBufferReport(counts, null)).toBeNull();
  });

  it('moves a worker’s reported rows to the session count when it takes the session', () => {
    const standby = deepFreeze({ bufferedRows: 0, sessionBufferId: null, bufferedElsewhere: counts.bufferedElsewhere });
    expect(takeSessionBuffer(standby, 'b')).toEqual({ bufferedRows: 3, bufferedElsewhere: {}, sessionBufferId: 'b' });
    // A worker that never reported (or predates buffer ids) starts at zero.
    expect(takeSessionBuffer(standby, null)).toEqual({
      bufferedRows: 0,
      bufferedElsewhere: { b: { bufferId: 'b', rows: 3, at: AT } },
      sessionBufferId: null,
    });
  });

  it('keeps a lost session worker’s rows counted as its report until it reports again', () => {
    expect(releaseSessionBuffer(counts, AT + 10)).toEqual({
      bufferedRows: 0,
      sessionBufferId: null,
      bufferedElsewhere: { b: { bufferId: 'b', rows: 3, at: AT }, a: { bufferId: 'a', rows: 5, at: AT + 10 } },
    });
    // Nothing buffered: nothing to keep, the other reports untouched.
    expect(releaseSessionBuffer({ ...counts, bufferedRows: 0 }, AT + 10)).toEqual({
      bufferedRows: 0,
      sessionBufferId: null,
    });
  });
});
