import { resetWindowsBetween } from '../../faults/lib/ledger';

const NEW_YORK = { time: '23:45', timeZone: 'America/New_York', durationMs: 15 * 60_000 };
const iso = (windows: Array<{ start: number; end: number }>) =>
  windows.map((w) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()]);

describe('configured reset windows of a run', () => {
  it('lists every window that starts in the run (23:45 New York is 04:45 UTC in December)', () => {
    const windows = resetWindowsBetween(
      Date.parse('2026-12-03T00:00:00Z'),
      Date.parse('2026-12-05T00:00:00Z'),
      NEW_YORK,
    );
    expect(iso(windows)).toEqual([
      ['2026-12-03T04:45:00.000Z', '2026-12-03T05:00:00.000Z'],
      ['2026-12-04T04:45:00.000Z', '2026-12-04T05:00:00.000Z'],
    ]);
  });

  it('includes the window the run starts in', () => {
    const windows = resetWindowsBetween(
      Date.parse('2026-12-03T04:50:00Z'),
      Date.parse('2026-12-03T06:00:00Z'),
      NEW_YORK,
    );
    expect(iso(windows)).toEqual([['2026-12-03T04:45:00.000Z', '2026-12-03T05:00:00.000Z']]);
  });

  it('none when the run lies between two windows', () => {
    expect(
      resetWindowsBetween(Date.parse('2026-12-03T06:00:00Z'), Date.parse('2026-12-03T07:00:00Z'), NEW_YORK),
    ).toEqual([]);
  });
});
