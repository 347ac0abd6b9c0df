import { activeResetWindow, nextResetWindow, zonedWallTimeToEpoch } from '../../src/schedule/resetWindow';

const NY = { time: '23:45', timeZone: 'America/New_York', durationMs: 15 * 60_000 };
const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe('nightly reset window', () => {
  it('on an ordinary winter day starts at 23:45 EST (04:45Z next day)', () => {
    expect(iso(nextResetWindow(at('2026-01-15T15:00:00Z'), NY).start)).toBe('2026-01-16T04:45:00.000Z');
  });

  it('on an ordinary summer day starts at 23:45 EDT (03:45Z next day)', () => {
    expect(iso(nextResetWindow(at('2026-07-15T15:00:00Z'), NY).start)).toBe('2026-07-16T03:45:00.000Z');
  });

  it('on the spring change day 2026-03-08, computed before 02:00 local, uses the new offset', () => {
    // 01:30 EST; the naive "now + (23:45 - wall time)" would give 04:45Z
    expect(iso(nextResetWindow(at('2026-03-08T06:30:00Z'), NY).start)).toBe('2026-03-09T03:45:00.000Z');
  });

  it('on the autumn change day 2026-11-01, computed before 02:00 local, uses the new offset', () => {
    // 01:30 EDT; the naive computation would give 03:45Z
    expect(iso(nextResetWindow(at('2026-11-01T05:30:00Z'), NY).start)).toBe('2026-11-02T04:45:00.000Z');
  });

  it('rolls over to the next day at the 23:44 / 23:46 edges', () => {
    const evening = zonedWallTimeToEpoch(2026, 1, 15, 23, 44, 'America/New_York');
    expect(iso(nextResetWindow(evening, NY).start)).toBe('2026-01-16T04:45:00.000Z');
    const after = zonedWallTimeToEpoch(2026, 1, 15, 23, 46, 'America/New_York');
    expect(iso(nextResetWindow(after, NY).start)).toBe('2026-01-17T04:45:00.000Z');
  });

  it('reports the window in progress, also after local midnight', () => {
    const late = { ...NY, durationMs: 60 * 60_000 };
    const justAfterMidnight = zonedWallTimeToEpoch(2026, 1, 16, 0, 10, 'America/New_York');
    expect(activeResetWindow(justAfterMidnight, late)).toEqual({
      start: at('2026-01-16T04:45:00Z'),
      end: at('2026-01-16T05:45:00Z'),
    });
    expect(activeResetWindow(justAfterMidnight + 60 * 60_000, late)).toBeNull();
    expect(activeResetWindow(at('2026-01-16T04:44:59Z'), NY)).toBeNull();
  });

  it('resolves an ambiguous autumn time to its first occurrence and a missing spring time one hour early', () => {
    const oneFortyFive = { time: '01:45', timeZone: 'America/New_York', durationMs: 60_000 };
    expect(iso(nextResetWindow(at('2026-11-01T04:00:00Z'), oneFortyFive).start)).toBe('2026-11-01T05:45:00.000Z');
    const twoThirty = { time: '02:30', timeZone: 'America/New_York', durationMs: 60_000 };
    expect(iso(nextResetWindow(at('2026-03-08T05:00:00Z'), twoThirty).start)).toBe('2026-03-08T06:30:00.000Z');
  });

  it('does not depend on the process TZ', () => {
    // The formatter is given the zone explicitly; a local-time getter would differ between these two zones.
    const saved = process.env.TZ;
    const results: string[] = [];
    for (const tz of ['UTC', 'Asia/Tokyo']) {
      process.env.TZ = tz;
      results.push(iso(nextResetWindow(at('2026-03-08T06:30:00Z'), NY).start));
    }
    process.env.TZ = saved;
    expect(results).toEqual(['2026-03-09T03:45:00.000Z', '2026-03-09T03:45:00.000Z']);
  });
});
