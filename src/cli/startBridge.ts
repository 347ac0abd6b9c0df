import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { BridgeConfig } from '../config/schema';
import { settingsFromConfig, workflowIdFor } from '../worker/settings';
import type { ibkrBridge } from '../workflows/bridge';
import type { BridgeSettings } from '../workflows/types';

export interface StartResult {
  workflowId: string;
  runId: string | null;
  alreadyRunning: boolean;
}

/** Starts the account's bridge workflow unless it already runs (the id is the account's, so there is only one). */
export async function startBridge(
  client: Client,
  config: BridgeConfig,
  account: string,
  overrides: Partial<BridgeSettings> = {},
): Promise<StartResult> {
  const workflowId = workflowIdFor(account);
  try {
    const handle = await client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [{ settings: { ...settingsFromConfig(config, account), ...overrides } }],
      staticSummary: `IBKR Greeks → Postgres for ${account} (${config.IB_API_MODE})`,
      staticDetails: `Every ${config.CYCLE_INTERVAL_MS} ms; nightly reset ${config.IB_RESET_TIME} ${config.IB_RESET_TIMEZONE}. Signals: pause, resume. Query: status.`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyRunning: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: null, alreadyRunning: true };
    throw err;
  }
}
