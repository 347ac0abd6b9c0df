import type { BrokerSnapshot } from '../../../src/broker/types';
import { aggregateGreeks } from '../../../src/greeks';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

const isOption = (secType: string) => secType === 'OPT' || secType === 'FOP';

describe('PORTAL readiness while fields trickle in after the pre-flight', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('is ready only once every option has its four Greeks, and not before', async () => {
    // Greeks 1.2 to 2.4 s after the pre-flight (gamma, theta and vega 0.6 s after delta): several 200 ms polls.
    const fieldDelays = { pricesMs: 300, greeksMs: 1200, secondOrderLagMs: 600, spreadMs: 600 };
    pair = await startPortalPair({ fake: { api: { fieldDelays } }, start: false });
    let atReady: BrokerSnapshot | undefined;
    const states: string[] = [];
    pair.broker.onEvent((event) => {
      if (event.type === 'ready' && !atReady) atReady = pair!.broker.snapshot(MAIN_ACCOUNT);
    });
    pair.broker.start();
    const sampler = setInterval(() => states.push(pair!.broker.state()), 50);
    try {
      await pair.broker.waitUntilReady(20_000);
    } finally {
      clearInterval(sampler);
    }
    // Positions and prices came first; readiness waited for the rest over several polls.
    const successfulPolls = pair.fake.control
      .requests('/iserver/marketdata/snapshot')
      .filter((entry) => entry.status === 200);
    expect(successfulPolls.length).toBeGreaterThanOrEqual(4);
    expect(states.filter((state) => state === 'connecting').length).toBeGreaterThan(0);
    const options = atReady!.positions.filter((position) => isOption(position.secType));
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) {
      const greeks = atReady!.greeks[option.conId];
      expect([option.conId, greeks?.delta, greeks?.gamma, greeks?.theta, greeks?.vega].includes(null)).toBe(false);
      expect(greeks?.stale).toBe(false);
    }
    expect(aggregateGreeks(atReady!, { now: Date.now(), maxAgeMs: 60_000 }).coverage).toBe(1);
  });

  it('stops waiting for an option whose Greeks never come, and coverage shows the gap', async () => {
    pair = await startPortalPair({ broker: { firstDataWaitMs: 1500 }, start: false });
    const model = pair.fake.control.model;
    const silent = model
      .positions(MAIN_ACCOUNT)
      .find((row) => row.quantity !== 0 && model.contract(row.conId)?.secType === 'OPT')!;
    model.setGreeksBehaviour(silent.conId, { mode: 'never' });
    const started = Date.now();
    pair.broker.start();
    await pair.broker.waitUntilReady(20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const snapshot = await waitFor(() => {
      const taken = pair!.broker.snapshot(MAIN_ACCOUNT);
      return taken.connection === 'ready' ? taken : undefined;
    }, 'a ready snapshot');
    const aggregated = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 60_000 });
    expect(aggregated.coverage).toBeLessThan(1);
    expect(aggregated.excluded.map((entry) => entry.conId)).toContain(silent.conId);
  });
});
