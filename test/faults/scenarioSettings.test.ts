import { scenarioSettings } from '../../faults/lib/faultStack';
import { DEFAULT_SETTINGS } from '../../src/workflows/types';

const NOW = Date.parse('2026-12-03T10:00:00Z');

describe('fault scenario settings', () => {
  it('the full run uses the production defaults, with the reset window twelve hours away', () => {
    const settings = scenarioSettings(false, {}, NOW);
    expect(settings).toMatchObject({
      intervalMs: DEFAULT_SETTINGS.intervalMs,
      cycleTimeoutMs: DEFAULT_SETTINGS.cycleTimeoutMs,
      cycleAttempts: DEFAULT_SETTINGS.cycleAttempts,
      sessionScheduleToStartMs: DEFAULT_SETTINGS.sessionScheduleToStartMs,
      reset: { time: '22:00', timeZone: 'UTC', durationMs: DEFAULT_SETTINGS.reset.durationMs },
    });
  });

  it('the quick run uses the fast grid, also with the reset window twelve hours away', () => {
    expect(scenarioSettings(true, {}, NOW)).toMatchObject({
      intervalMs: 500,
      reset: { time: '22:00', timeZone: 'UTC', durationMs: 1000 },
    });
  });

  it("a scenario's overrides win", () => {
    expect(scenarioSettings(false, { intervalMs: 1000 }, NOW).intervalMs).toBe(1000);
    expect(scenarioSettings(true, { sessionScheduleToStartMs: 3000 }, NOW).sessionScheduleToStartMs).toBe(3000);
  });
});
