import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BrokerSnapshot, Position } from '../../src/broker/types';
import { localModelGreeks } from '../../src/greeks/localModel';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import type { BridgeStack } from '../../harness/bridgeStack';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { eventually, testBridgeStack } from './stack';

const LOCAL_MODEL = { rate: 0.04, maxIvAgeMs: 600_000 };

/**
 * The chain of sources end to end (SOCKET): the simulator stops computing one option's Greeks (IB's "not computed"
 * sentinels on every computation tick), and the bridge's rows keep covering it from its local model on IB's last
 * implied volatility and the live underlying price, saying so in greeks_sources and fallback_positions.
 */
describe('the local model stands in for an option IB stopped computing', () => {
  let env: TestWorkflowEnvironment;
  let stack: BridgeStack;
  beforeAll(async () => {
    env = await connectTestEnv();
    stack = await testBridgeStack(env, await bundleWorkflows(), {
      workers: { aggregateOptions: () => ({ maxAgeMs: 15_000, localModel: LOCAL_MODEL }) },
    }).start();
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  it('covers it as local_model, with a delta near the simulator’s own model delta', async () => {
    const handle = await stack.startWorkflow();
    const latest = async () =>
      (
        await stack.sql.query(
          'select option_count, covered_option_count, greeks_sources, fallback_positions, excluded from portfolio_greeks order by snapshot_at desc limit 1',
        )
      ).rows[0];
    const before = await eventually(latest, (row) => row?.covered_option_count > 0, 60_000, 'a covered row');
    expect(before.greeks_sources.ib_model.positions).toBe(before.covered_option_count);

    // A call whose Greeks IB computes now, with another option on its underlying that keeps computing: that one's
    // model ticks carry the live underlying price.
    const computing = (snapshot: BrokerSnapshot, p: Position) =>
      p.secType === 'OPT' && snapshot.greeks[p.conId]?.delta != null;
    const pick = (snapshot: BrokerSnapshot) => {
      const call = snapshot.positions.find(
        (p) =>
          computing(snapshot, p) &&
          p.right === 'C' &&
          snapshot.positions.some((q) => q !== p && q.underlying === p.underlying && computing(snapshot, q)),
      );
      const sibling = snapshot.positions.find(
        (q) => q !== call && q.underlying === call?.underlying && computing(snapshot, q),
      );
      return call && sibling ? { call, sibling } : null;
    };
    const { call, sibling } = (await eventually(
      async () => pick(stack.broker.snapshot(MAIN_ACCOUNT)),
      (picked) => picked !== null,
      30_000,
      'a call and another option on its underlying, both computed',
    ))!;
    const simulatorDelta = stack.simulator.lastSentGreeks(call.conId)?.greeks?.delta;
    expect(simulatorDelta).toBeDefined();
    stack.simulator.control.setGreeksBehaviour({
      conId: call.conId,
      behaviour: { mode: 'notComputed', sentinel: 'negative' },
    });

    const after = await eventually(
      latest,
      (row) => row.fallback_positions.some((f: { conId: number }) => f.conId === call.conId),
      30_000,
      'a row with the option on the local model',
    );
    expect(after.fallback_positions).toEqual([
      expect.objectContaining({ conId: call.conId, source: 'local_model', ageMs: expect.any(Number) }),
    ]);
    expect(after.greeks_sources.local_model.positions).toBe(1);
    expect(after.excluded.map((e: { conId: number }) => e.conId)).not.toContain(call.conId);

    // The bridge's modelled delta for that option against the simulator's model (a European call on a stock without
    // dividends, the same as an American one): the rate, the clock and a few seconds of the random walk apart.
    const now = stack.broker.snapshot(MAIN_ACCOUNT);
    const live = now.greeks[sibling.conId];
    const modelled = localModelGreeks(
      call,
      now.greeks[call.conId],
      { conId: 0, price: live.underlyingPrice!, at: live.computedAt, marketDataType: 'live' },
      Date.now(),
      LOCAL_MODEL,
    );
    expect(modelled?.source).toBe('local_model');
    expect(Math.abs(modelled!.delta! - simulatorDelta!)).toBeLessThan(0.05);
    await handle.terminate('test done');
  });
});
