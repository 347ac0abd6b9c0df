import { combineFigures, gridFigures, medianNearestRank, type GridRun } from '../../faults/lib/gridFigures';
import {
  databaseFaultTarget,
  gatewayRecoveryTarget,
  holderKillTarget,
  temporalDownTarget,
  unexplainedCheck,
} from '../../faults/lib/targets';

/** A row taken `lateMs` after its slot starts. */
const row = (slotAt: number, lateMs = 0) => ({ slotAt, snapshotAt: slotAt + lateMs });

/**
 * 1 s slots anchored at 10 s; ready at 10.5 s and counted until 20.2 s, so the run's slots are 11 s … 20 s (10).
 * Rows for 11, 12, 13, 16, 17, 18 (taken at 19.001 s, outside its slot) and 20 s, one stored twice, and one row
 * each before the start and after the end. 14 s is a db_unavailable gap, 15 s a folded overrun gap, 19 s has none;
 * 20 s has a row and also an ib_unavailable gap (a false one).
 */
const RUN: GridRun = {
  intervalMs: 1000,
  anchor: 10_000,
  readyAt: 10_500,
  until: 20_200,
  rows: [
    row(9000, 5),
    row(11_000, 10),
    row(12_000, 50),
    row(12_000, 50),
    row(13_000),
    row(16_000, 100),
    row(17_000, 999),
    row(18_000, 1001),
    row(20_000, 20),
    row(21_000, 5),
  ],
  gaps: [
    { from: 15_000, to: 16_000, reason: 'overrun', otherReasons: ['buffer_unavailable'] },
    { from: 14_000, to: 15_000, reason: 'db_unavailable' },
    { from: 20_000, to: 21_000, reason: 'ib_unavailable' },
  ],
  resetWindows: [],
  faults: [
    { label: 'postgres cut', start: 13_500, end: 15_200 },
    { label: 'kill', start: 18_500, end: 18_500 },
    { label: 'at the very end', start: 20_100, end: 20_150 },
  ],
};

/**
 * 0.5 s slots from 0 to 4.5 s (10). The reset window [1 s, 2 s) takes 1 and 1.5 s; a pause from 3.2 s to 4 s
 * takes 3 and 3.5 s (the pause began inside the 3 s slot); 4 s is missing with no gap.
 */
const EXCLUSIONS: GridRun = {
  intervalMs: 500,
  anchor: 0,
  readyAt: 0,
  until: 4999,
  rows: [row(0, 1), row(500, 1), row(2000, 1), row(2500, 1), row(4500, 1)],
  gaps: [
    { from: 1000, to: 2000, reason: 'reset_window' },
    { from: 3200, to: 4000, reason: 'paused' },
  ],
  resetWindows: [{ start: 1000, end: 2000 }],
  faults: [],
};

describe('grid figures', () => {
  it('counts the run slots from the first after ready to the end, with no exclusions', () => {
    const f = gridFigures(RUN);
    expect({ grid: f.grid, stored: f.stored, missing: f.missing }).toEqual({ grid: 10, stored: 7, missing: 3 });
  });

  it('splits the missing slots by the reason of the gap covering them, unexplained when none does', () => {
    const f = gridFigures(RUN);
    expect(f.missingByReason).toEqual({ db_unavailable: 1, 'overrun+buffer_unavailable': 1, unexplained: 1 });
    expect(f.unexplained).toBe(1);
    expect(f.unexplainedSlots).toEqual([19_000]);
  });

  it('availability is stored over asked-for slots; duplicates and rows outside their slot are counted', () => {
    const f = gridFigures(RUN);
    expect({ askedFor: f.askedFor, storedAskedFor: f.storedAskedFor, availability: f.availability }).toEqual({
      askedFor: 10,
      storedAskedFor: 7,
      availability: 0.7,
    });
    expect(f.duplicated).toBe(1);
    expect(f.outsideOwnSlot).toBe(1);
    expect(f.falseGaps).toBe(1);
  });

  it('recovery runs from the end of each fault to the snapshot of the first row taken after it', () => {
    const f = gridFigures(RUN);
    expect(f.faults).toEqual([
      {
        label: 'postgres cut',
        downtimeSlots: 2,
        recoveryMs: 900,
        missing: 2,
        missingByReason: { db_unavailable: 1, 'overrun+buffer_unavailable': 1 },
      },
      { label: 'kill', downtimeSlots: 0, recoveryMs: 501, missing: 0, missingByReason: {} },
      { label: 'at the very end', downtimeSlots: 0, recoveryMs: null, missing: 0, missingByReason: {} },
    ]);
    expect({ p50: f.recoveryP50Ms, max: f.recoveryMaxMs, unrecovered: f.unrecovered }).toEqual({
      p50: 501,
      max: 900,
      unrecovered: 1,
    });
  });

  it('takes reset-window and paused slots out of the availability, not out of the grid', () => {
    const f = gridFigures(EXCLUSIONS);
    expect(f).toMatchObject({
      grid: 10,
      stored: 5,
      missing: 5,
      missingByReason: { reset_window: 2, paused: 2, unexplained: 1 },
      resetWindowSlots: 2,
      pausedSlots: 2,
      askedFor: 6,
      storedAskedFor: 5,
      availability: 5 / 6,
      outsideOwnSlot: 0,
    });
  });

  it('adds several workflows up and recomputes availability from the sums', () => {
    const combined = combineFigures([gridFigures(RUN), gridFigures(EXCLUSIONS)]);
    expect(combined).toMatchObject({
      intervalMs: null,
      grid: 20,
      stored: 12,
      askedFor: 16,
      storedAskedFor: 12,
      availability: 0.75,
      unexplained: 2,
      unexplainedSlots: [19_000, 4000],
      missingByReason: {
        db_unavailable: 1,
        'overrun+buffer_unavailable': 1,
        unexplained: 2,
        reset_window: 2,
        paused: 2,
      },
      recoveryP50Ms: 501,
      recoveryMaxMs: 900,
      unrecovered: 1,
    });
  });

  it('median by nearest rank', () => {
    expect(medianNearestRank([])).toBeNull();
    expect(medianNearestRank([7])).toBe(7);
    expect(medianNearestRank([900, 501])).toBe(501);
    expect(medianNearestRank([3, 1, 2])).toBe(2);
  });

  it('rejects a non-positive interval with one line', () => {
    expect(() => gridFigures({ ...RUN, intervalMs: 0 })).toThrow('intervalMs must be positive, got 0');
  });
});

/** 5 s slots 0 … 60 s (13), rows 0.1 s into each slot except the `missing` ones. */
function fiveSecondRun(missing: number[], faults: GridRun['faults'], reason = 'worker_unavailable'): GridRun {
  const slots = Array.from({ length: 13 }, (_, k) => k * 5000);
  return {
    intervalMs: 5000,
    anchor: 0,
    readyAt: 0,
    until: 60_000,
    rows: slots.filter((s) => !missing.includes(s)).map((s) => row(s, 100)),
    gaps: missing.map((s) => ({ from: s, to: s + 5000, reason })),
    resetWindows: [],
    faults,
  };
}

describe('targets', () => {
  it('database fault: met only with every asked-for slot stored', () => {
    expect(databaseFaultTarget(combineFigures([gridFigures(fiveSecondRun([], []))]))).toMatchObject({
      met: true,
      detail: 'availability 100.00 %, 0 skipped (none), at a 5 s interval',
    });
    const missed = databaseFaultTarget(combineFigures([gridFigures(RUN)]));
    expect(missed.met).toBe(false);
    expect(missed.detail).toBe(
      'availability 70.00 %, 3 skipped (db_unavailable 1, overrun+buffer_unavailable 1, unexplained 1), ' +
        'at a 1 s interval (the target is set at 5 s)',
    );
  });

  it('kill of the session holder: recovery at most 10 s and at most two slots missing per kill', () => {
    const met = holderKillTarget(
      combineFigures([gridFigures(fiveSecondRun([20_000], [{ label: 'kill', start: 19_000, end: 19_000 }]))]),
    );
    expect(met).toMatchObject({ met: true });
    expect(met.detail).toBe(
      '1 kill(s): recovery p50 6.1 s, max 6.1 s, at most 1 slot(s) missing per kill, at a 5 s interval',
    );
    const slow = holderKillTarget(
      combineFigures([gridFigures(fiveSecondRun([20_000, 25_000], [{ label: 'kill', start: 18_000, end: 18_000 }]))]),
    );
    expect(slow).toMatchObject({ met: false });
    expect(slow.detail).toContain('max 12.1 s');
    expect(slow.detail).toContain('at most 2 slot(s) missing per kill');
  });

  it('Temporal down: missing slots are the downtime plus at most one, all temporal_unavailable', () => {
    // Down from 12.5 s to 27.5 s: slots 15, 20 and 25 s start inside it.
    const outage = [{ label: 'temporal down', start: 12_500, end: 27_500 }];
    const plusOne = combineFigures([
      gridFigures(fiveSecondRun([15_000, 20_000, 25_000, 30_000], outage, 'temporal_unavailable')),
    ]);
    expect(temporalDownTarget(plusOne)).toMatchObject({
      met: true,
      detail: 'missing/downtime slots per outage: 4/3; other reasons: none, at a 5 s interval',
    });
    const plusTwo = combineFigures([
      gridFigures(fiveSecondRun([15_000, 20_000, 25_000, 30_000, 35_000], outage, 'temporal_unavailable')),
    ]);
    expect(temporalDownTarget(plusTwo).met).toBe(false);
    const overrun = combineFigures([gridFigures(fiveSecondRun([15_000, 20_000, 25_000], outage, 'overrun'))]);
    expect(temporalDownTarget(overrun)).toMatchObject({
      met: false,
      detail: 'missing/downtime slots per outage: 3/3; other reasons: overrun 3, at a 5 s interval',
    });
  });

  it('gateway faults: a row for the first slot after the gateway is back', () => {
    const back = [{ label: 'drop', start: 21_000, end: 22_300 }];
    expect(gatewayRecoveryTarget(combineFigures([gridFigures(fiveSecondRun([], back))]))).toMatchObject({
      met: true,
      detail: '1 fault(s): recovery p50 2.8 s, max 2.8 s, 0 over one slot, at a 5 s interval',
    });
    expect(gatewayRecoveryTarget(combineFigures([gridFigures(fiveSecondRun([25_000], back))])).met).toBe(false);
  });

  it('only unexplained slots fail', () => {
    expect(unexplainedCheck(combineFigures([gridFigures(EXCLUSIONS)]))).toEqual({
      ok: false,
      detail: '1 of 5 missing, first at 1970-01-01T00:00:04.000Z',
    });
    expect(unexplainedCheck(combineFigures([gridFigures(fiveSecondRun([20_000], []))]))).toEqual({
      ok: true,
      detail: '0 of 1 missing',
    });
  });
});
