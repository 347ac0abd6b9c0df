import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createSocketBroker } from '../../src/broker/socket';
import { createFallbackBuffer } from '../../src/buffer';
import { applyRetention, classifyDbError } from '../../src/db';
import { aggregateGreeks } from '../../src/greeks/aggregate';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { parseAlertRules } from '../../src/alerts/rules';
import { createBridgeWorkers } from '../../src/worker/createWorkers';
import type { AlertSettings } from '../../src/workflows/types';
import { eventually, fastSettings } from '../bridge/stack';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { AlertStack } from './alertStack';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const SPY_STOCK = 756733;
/** Every underlying of the default portfolio has a beta, so the account figure is defined. */
const BETAS = { AAPL: 1.2, MSFT: 0.9, QQQ: 1.1, TSLA: 2, ES: 1 };

/**
 * The alert stack configured as a worker with BETA_BENCHMARK=SPY and BETAS: the adapter streams the benchmark and
 * the cycle aggregates with the betas, as src/worker.ts wires them from the environment.
 */
class BenchmarkAlertStack extends AlertStack {
  constructor(
    private readonly testEnvironment: TestWorkflowEnvironment,
    private readonly workflows: WorkflowBundleWithSourceMap,
    private readonly hook: { url: string; timeoutMs: number },
  ) {
    super(testEnvironment, workflows, hook);
  }

  override async start(): Promise<this> {
    await super.start();
    await this.workers.shutdown();
    await this.broker.stop();
    this.broker = createSocketBroker({
      host: '127.0.0.1',
      port: this.simulator.port,
      clientId: 10,
      account: MAIN_ACCOUNT,
      betaBenchmark: 'SPY',
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 500,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 3000,
    });
    this.workers = await createBridgeWorkers({
      connection: this.testEnvironment.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: this.workflows,
      databaseUrl: this.database.url,
      clientId: 10,
      broker: this.broker,
      store: this.db,
      buffer: createFallbackBuffer({ dir: this.bufferDir }),
      classifyDbError,
      applyRetention: (days) => applyRetention(this.db, days),
      aggregateOptions: () => ({ maxAgeMs: 15_000, betas: BETAS, betaBenchmark: 'SPY' }),
      reconnectTimeoutMs: 10_000,
      shutdownGraceMs: 2000,
      observer: this.metrics,
      alertWebhook: this.hook,
    });
    this.workers.run().catch(() => undefined);
    return this;
  }
}

describe('beta-weighted delta over the real stack', () => {
  let env: TestWorkflowEnvironment;
  let stack: BenchmarkAlertStack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    env = await connectTestEnv();
    receiver = await startWebhookReceiver({ failFirst: 0 });
    stack = await new BenchmarkAlertStack(env, await bundleWorkflows(), { url: receiver.url, timeoutMs: 2000 }).start();
    await stack.workers.session.acquire(MAIN_ACCOUNT);
    await stack.broker.waitUntilReady(20_000);
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await env?.teardown();
  });

  it('stores the figure with its benchmark and fires a betaWeightedDelta rule when SPY exposure jumps', async () => {
    const aggregate = () =>
      aggregateGreeks(stack.broker.snapshot(MAIN_ACCOUNT), {
        now: Date.now(),
        maxAgeMs: 15_000,
        betas: BETAS,
        betaBenchmark: 'SPY',
      });
    const before = await eventually(
      async () => aggregate(),
      (a) => a.coverage === 1 && a.betaWeightedDelta !== null,
      20_000,
      'a beta-weighted delta in the adapter',
    );
    // 100,000 more SPY shares add about 100,000 benchmark shares (β 1, priced like the benchmark).
    const threshold = (before.betaWeightedDelta as number) + 50_000;
    const rules = [{ id: 'bwd', kind: 'greek', metric: 'betaWeightedDelta', above: threshold }];
    const handle = await stack.startWorkflow(
      fastSettings({
        alerts: { rules: parseAlertRules(JSON.stringify(rules)), deliveryRetryMs: 200 } as AlertSettings,
      }),
    );
    const stored = (await eventually(
      async () =>
        (
          await stack.sql.query(
            `select beta_weighted_delta::float8 as bwd, beta_benchmark, units from portfolio_greeks
              where cycle_key like $1 || ':%' and beta_weighted_delta is not null order by snapshot_at desc limit 1`,
            [handle.workflowId],
          )
        ).rows[0] as { bwd: number; beta_benchmark: string; units: Record<string, string> } | undefined,
      (row) => row !== undefined,
      30_000,
      'a stored beta-weighted delta',
    ))!;
    expect(stored.beta_benchmark).toBe('SPY');
    expect(stored.bwd).toBeLessThan(threshold);
    expect(stored.units.betaWeightedDeltaReason).toBeUndefined();
    expect(await stack.alertEvents(handle)).toEqual([]);

    const spy = stack.simulator.model.position(MAIN_ACCOUNT, SPY_STOCK)!;
    stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: SPY_STOCK, quantity: spy.quantity + 100_000 });
    const fired = await eventually(
      () => stack.alertEvents(handle),
      (events) => events.some((e) => e.event === 'alert_fired' && e.details.rule === 'bwd'),
      30_000,
      'the betaWeightedDelta rule firing',
    );
    expect(fired.find((e) => e.details.rule === 'bwd')!.details.value).toBeGreaterThan(threshold);

    stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: SPY_STOCK, quantity: spy.quantity });
    await eventually(
      () => stack.alertEvents(handle),
      (events) => events.some((e) => e.event === 'alert_resolved' && e.details.rule === 'bwd'),
      30_000,
      'the betaWeightedDelta rule resolving',
    );
    await handle.terminate('test done');
  });
});
