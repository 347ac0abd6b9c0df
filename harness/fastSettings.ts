import { MAIN_ACCOUNT } from '../src/sim/model';
import { DEFAULT_SETTINGS, type BridgeSettings } from '../src/workflows/types';
import { resetWindowAwayFrom } from './resetWindow';

/** Settings at test speed: a cycle every 500 ms, and a reset window far away unless a caller asks for one. */
export function fastSettings(overrides: Partial<BridgeSettings> = {}): BridgeSettings {
  return {
    ...DEFAULT_SETTINGS,
    account: MAIN_ACCOUNT,
    intervalMs: 500,
    cycleTimeoutMs: 2000,
    cycleAttempts: 2,
    cycleRetryMs: 200,
    sessionScheduleToStartMs: 5000,
    reset: resetWindowAwayFrom(),
    ...overrides,
  };
}
