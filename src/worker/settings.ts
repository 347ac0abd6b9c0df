import type { BridgeConfig } from '../config/schema';
import { DEFAULT_SETTINGS, type BridgeSettings } from '../workflows/types';

/** Workflow input derived from the environment; the CLI and the launcher start the workflow with it. */
export function settingsFromConfig(config: BridgeConfig, account: string): BridgeSettings {
  return {
    ...DEFAULT_SETTINGS,
    account,
    intervalMs: config.CYCLE_INTERVAL_MS,
    reset: {
      time: config.IB_RESET_TIME,
      timeZone: config.IB_RESET_TIMEZONE,
      durationMs: config.IB_RESET_DURATION_MINUTES * 60_000,
    },
    retentionDays: config.GREEKS_RETENTION_DAYS ?? null,
    ...(config.ALERT_RULES?.length ? { alerts: { rules: config.ALERT_RULES } } : {}),
  };
}

export function workflowIdFor(account: string): string {
  return `ibkr-bridge-${account}`;
}
