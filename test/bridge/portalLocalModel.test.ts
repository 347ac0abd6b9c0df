import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import type { BridgeStack } from '../../harness/bridgeStack';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { eventually, testBridgeStack } from './stack';

/**
 * The chain of sources in PORTAL mode: the Client Portal stops sending one option's Greeks fields (7308-7311 "N/A")
 * but still sends its implied volatility (7633), and the underlying's price comes from its own price fields: the rows
 * keep the option covered from the local model, and say so.
 */
describe('PORTAL: the local model stands in for Greeks fields the Client Portal stopped sending', () => {
  let env: TestWorkflowEnvironment;
  let stack: BridgeStack;
  beforeAll(async () => {
    env = await connectTestEnv();
    stack = await testBridgeStack(env, await bundleWorkflows(), {
      mode: 'PORTAL',
      workers: { aggregateOptions: () => ({ maxAgeMs: 15_000, localModel: { rate: 0.04, maxIvAgeMs: 600_000 } }) },
    }).start();
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  it('covers the option as local_model from its implied volatility and the underlying price', async () => {
    const handle = await stack.startWorkflow();
    // An option whose Greeks, implied volatility and underlying price have all arrived.
    const option = await eventually(
      async () => {
        const snapshot = stack.broker.snapshot(MAIN_ACCOUNT);
        return snapshot.positions.find(
          (p) =>
            p.secType === 'OPT' &&
            p.underlyingConId !== undefined &&
            snapshot.greeks[p.conId]?.delta != null &&
            snapshot.greeks[p.conId]?.impliedVol != null &&
            snapshot.underlyingPrices[p.underlyingConId] !== undefined,
        );
      },
      (found) => found !== undefined,
      60_000,
      'an option with Greeks, implied volatility and an underlying price',
    );
    const conId = option!.conId;
    stack.portal!.control.setFieldOverrides(conId, { '7308': 'N/A', '7309': 'N/A', '7310': 'N/A', '7311': 'N/A' });
    const row = await eventually(
      async () =>
        (
          await stack.sql.query(
            "select greeks_sources, fallback_positions, excluded from portfolio_greeks where mode = 'PORTAL' order by snapshot_at desc limit 1",
          )
        ).rows[0],
      (latest) => latest?.fallback_positions.some((f: { conId: number }) => f.conId === conId),
      60_000,
      'a row with the option on the local model',
    );
    expect(row.fallback_positions).toEqual([expect.objectContaining({ conId, source: 'local_model' })]);
    expect(row.greeks_sources.local_model.positions).toBe(1);
    expect(row.excluded.map((e: { conId: number }) => e.conId)).not.toContain(conId);
    await handle.terminate('test done');
  });
});
