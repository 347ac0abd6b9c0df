import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { BridgeConfig } from '../config/schema';
import { settingsFromConfig, workflowIdFor } from '../worker/settings';
import type { ibkrBridge } from '../workflows/bridge';
import type { BridgeSettings } from '../workflows/types';
import { checkSearchAttributes, describeMissingSearchAttributes } from '../temporal/searchAttributes';

export interface StartResult {
  workflowId: string;
  runId: string | null;
  alreadyRunning: boolean;
  /** Set when the namespace lacks the bridge's search attributes: the workflow was started without them. */
  searchAttributesMissing?: string;
}

/** Starts the account's bridge workflow unless it already runs (the id is the account's, so there is only one). */
export async function startBridge(
  client: Client,
  config: BridgeConfig,
  account: string,
  overrides: Partial<BridgeSettings> = {},
): Promise<StartResult> {
  const workflowId = workflowIdFor(account);
  const attributes = await checkSearchAttributes(client, client.options.namespace);
  const missing = attributes.kind === 'missing' ? describeMissingSearchAttributes(attributes) : undefined;
  try {
    const handle = await client.workflow.start<typeof ibkrBridge>('ibkrBridge', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [
        {
          settings: {
            ...settingsFromConfig(config, account),
            ...(missing ? { searchAttributes: false } : {}),
            ...overrides,
          },
        },
      ],
      staticSummary: `IBKR Greeks → Postgres for ${account} (${config.IB_API_MODE})`,
      staticDetails: `Every ${config.CYCLE_INTERVAL_MS} ms; nightly reset ${config.IB_RESET_TIME} ${config.IB_RESET_TIMEZONE}. Signals: pause, resume. Query: status.`,
    });
    return {
      workflowId,
      runId: handle.firstExecutionRunId,
      alreadyRunning: false,
      ...(missing ? { searchAttributesMissing: missing } : {}),
    };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: null, alreadyRunning: true };
    throw err;
  }
}
