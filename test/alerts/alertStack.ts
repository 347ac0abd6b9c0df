import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { WebhookOptions } from '../../src/alerts/delivery';
import type { BridgeMetrics } from '../../src/observability/metrics';
import { BridgeStack, type BridgeStackOptions } from '../../harness/bridgeStack';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { testPostgresUrl } from '../support/database';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

export interface AlertEvent {
  event: 'alert_fired' | 'alert_resolved';
  message: string;
  at: Date;
  details: { rule: string; value: number | null; threshold: number | null; workflowId: string; severity: string };
}

/**
 * The bridge stack whose workers deliver alerts to a webhook; their Prometheus metrics carry the alert gauges.
 * `options` configures the stack further, e.g. a worker configured with betas and a benchmark.
 */
export class AlertStack extends BridgeStack {
  constructor(
    env: TestWorkflowEnvironment,
    bundle: WorkflowBundleWithSourceMap,
    webhook: WebhookOptions,
    options: Omit<BridgeStackOptions, 'env' | 'bundle' | 'postgresUrl'> = {},
  ) {
    super({
      env,
      bundle,
      postgresUrl: testPostgresUrl(),
      ...options,
      workers: { alertWebhook: webhook, ...options.workers },
    });
  }

  get metrics(): BridgeMetrics {
    return this.workerMetrics;
  }

  /** api_logs alert rows of one workflow, oldest first. */
  async alertEvents(handle: WorkflowHandle): Promise<AlertEvent[]> {
    const result = await this.sql.query(
      `select event, message, logged_at as at, details from api_logs
        where event in ('alert_fired', 'alert_resolved') and details->>'workflowId' = $1 order by logged_at, id`,
      [handle.workflowId],
    );
    return result.rows;
  }

  /** The value of bridge_alert_firing for a rule, or null when the worker has not exported it. */
  async gauge(rule: string): Promise<number | null> {
    const metric = await this.metrics.registry.getSingleMetric('bridge_alert_firing')?.get();
    const sample = metric?.values.find((value) => value.labels.rule === rule);
    return sample ? sample.value : null;
  }
}

/**
 * Registers an alert stack and its webhook receiver for the calling test file (started before its tests, stopped
 * after). The IB session is taken up front, so that tests can measure the portfolio before they set thresholds
 * around it.
 */
export function useAlertStack(
  receiverOptions: { failFirst: number },
  options: Omit<BridgeStackOptions, 'env' | 'bundle' | 'postgresUrl'> = {},
): { stack: AlertStack; receiver: WebhookReceiver } {
  const context = {} as { stack: AlertStack; receiver: WebhookReceiver; env: TestWorkflowEnvironment };
  beforeAll(async () => {
    context.env = await connectTestEnv();
    context.receiver = await startWebhookReceiver(receiverOptions);
    const webhook = { url: context.receiver.url, timeoutMs: 2000 };
    context.stack = await new AlertStack(context.env, await bundleWorkflows(), webhook, options).start();
    await context.stack.workers.session.acquire(MAIN_ACCOUNT);
    await context.stack.broker.waitUntilReady(20_000);
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.receiver?.close();
    await context.env?.teardown();
  });
  return context;
}
