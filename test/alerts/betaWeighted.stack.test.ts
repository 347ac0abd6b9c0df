import { aggregateGreeks } from '../../src/greeks/aggregate';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { parseAlertRules } from '../../src/alerts/rules';
import type { AlertSettings } from '../../src/workflows/types';
import { eventually, fastSettings } from '../bridge/stack';
import { useAlertStack } from './alertStack';

const SPY_STOCK = 756733;
/** Every underlying of the default portfolio has a beta, so the account figure is defined. */
const BETAS = { AAPL: 1.2, MSFT: 0.9, QQQ: 1.1, TSLA: 2, ES: 1 };

describe('beta-weighted delta over the real stack', () => {
  /**
   * The alert stack configured as a worker with BETA_BENCHMARK=SPY and BETAS: the adapter streams the benchmark and
   * the cycle aggregates with the betas, as src/worker.ts wires them from the environment.
   */
  const alerts = useAlertStack(
    { failFirst: 0 },
    {
      broker: { betaBenchmark: 'SPY' },
      workers: { aggregateOptions: () => ({ maxAgeMs: 15_000, betas: BETAS, betaBenchmark: 'SPY' }) },
    },
  );

  it('stores the figure with its benchmark and fires a betaWeightedDelta rule when SPY exposure jumps', async () => {
    const aggregate = () =>
      aggregateGreeks(alerts.stack.broker.snapshot(MAIN_ACCOUNT), {
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
    const handle = await alerts.stack.startWorkflow(
      fastSettings({
        alerts: { rules: parseAlertRules(JSON.stringify(rules)), deliveryRetryMs: 200 } as AlertSettings,
      }),
    );
    const stored = (await eventually(
      async () =>
        (
          await alerts.stack.sql.query(
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
    expect(await alerts.stack.alertEvents(handle)).toEqual([]);

    const spy = alerts.stack.simulator.model.position(MAIN_ACCOUNT, SPY_STOCK)!;
    alerts.stack.simulator.control.setPosition({
      account: MAIN_ACCOUNT,
      conId: SPY_STOCK,
      quantity: spy.quantity + 100_000,
    });
    const fired = await eventually(
      () => alerts.stack.alertEvents(handle),
      (events) => events.some((e) => e.event === 'alert_fired' && e.details.rule === 'bwd'),
      30_000,
      'the betaWeightedDelta rule firing',
    );
    expect(fired.find((e) => e.details.rule === 'bwd')!.details.value).toBeGreaterThan(threshold);

    alerts.stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: SPY_STOCK, quantity: spy.quantity });
    await eventually(
      () => alerts.stack.alertEvents(handle),
      (events) => events.some((e) => e.event === 'alert_resolved' && e.details.rule === 'bwd'),
      30_000,
      'the betaWeightedDelta rule resolving',
    );
    await handle.terminate('test done');
  });
});
