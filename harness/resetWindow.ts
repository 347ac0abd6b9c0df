import type { ResetWindowSettings } from '../src/schedule/resetWindow';
import { DEFAULT_SETTINGS } from '../src/workflows/types';

/**
 * The nightly reset window for every test that runs the bridge on its normal schedule (a stack, the worker
 * entry command, `npm start`, the CLI): the default window's length, put half a day away from `now` in UTC. A
 * daily window can be no farther from now than that, so a test has 11 h 45 min either side of its start before
 * it could meet the window, whatever the time of day it runs at. Tests that want a reset window set their own.
 */
const HALF_A_DAY_MS = 12 * 3_600_000;

export function resetWindowAwayFrom(now: number = Date.now()): ResetWindowSettings {
  return {
    time: new Date(now + HALF_A_DAY_MS).toISOString().slice(11, 16),
    timeZone: 'UTC',
    durationMs: DEFAULT_SETTINGS.reset.durationMs,
  };
}

/** The same window as the settings a worker, `npm start` or `bridge start` read from the environment. */
export function resetEnvAwayFrom(now: number = Date.now()): {
  IB_RESET_TIME: string;
  IB_RESET_TIMEZONE: string;
  IB_RESET_DURATION_MINUTES: string;
} {
  const window = resetWindowAwayFrom(now);
  return {
    IB_RESET_TIME: window.time,
    IB_RESET_TIMEZONE: window.timeZone,
    IB_RESET_DURATION_MINUTES: String(window.durationMs / 60_000),
  };
}
