import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { WebhookOptions } from '../../src/alerts/delivery';
import { createFallbackBuffer } from '../../src/buffer';
import { applyRetention, classifyDbError } from '../../src/db';
import { BridgeMetrics } from '../../src/observability/metrics';
import { createBridgeWorkers } from '../../src/worker/createWorkers';
import { BridgeStack } from '../bridge/stack';

export interface AlertEvent {
  event: 'alert_fired' | 'alert_resolved';
  message: string;
  at: Date;
  details: { rule: string; value: number | null; threshold: number | null; workflowId: string; severity: string };
}

/**
 * The bridge stack with what alert delivery needs from the worker: the webhook and the Prometheus metrics.
 * BridgeStack builds its workers without them, so before any workflow runs they are replaced by workers that
 * have them, on the same broker, database and task queue.
 */
export class AlertStack extends BridgeStack {
  readonly metrics = new BridgeMetrics();

  constructor(
    private readonly testEnv: TestWorkflowEnvironment,
    private readonly workflowBundle: WorkflowBundleWithSourceMap,
    private readonly webhook: WebhookOptions,
  ) {
    super(testEnv, workflowBundle);
  }

  override async start(): Promise<this> {
    await super.start();
    await this.workers.shutdown();
    this.workers = await createBridgeWorkers({
      connection: this.testEnv.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: this.workflowBundle,
      databaseUrl: this.database.url,
      clientId: 10,
      broker: this.broker,
      store: this.db,
      buffer: createFallbackBuffer({ dir: this.bufferDir }),
      classifyDbError,
      applyRetention: (days) => applyRetention(this.db, days),
      aggregateOptions: () => ({ maxAgeMs: 15_000 }),
      reconnectTimeoutMs: 10_000,
      shutdownGraceMs: 2000,
      observer: this.metrics,
      alertWebhook: this.webhook,
    });
    // Awaited by BridgeStack.stop() through workers.shutdown().
    this.workers.run().catch(() => undefined);
    return this;
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
