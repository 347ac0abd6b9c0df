import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

describe('PORTAL market-data subscriptions follow the documented prerequisites', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('looks the underlying up with /iserver/secdef/search before asking derivative market data', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    const log = pair.fake.control.requests();
    const firstSearch = log.findIndex((entry) => entry.path === '/iserver/secdef/search');
    const firstSnapshot = log.findIndex((entry) => entry.path === '/iserver/marketdata/snapshot');
    expect(firstSearch).toBeGreaterThanOrEqual(0);
    expect(firstSearch).toBeLessThan(firstSnapshot);
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    const options = snapshot.positions.filter((position) => position.secType === 'OPT' || position.secType === 'FOP');
    for (const option of options)
      expect([option.conId, snapshot.greeks[option.conId]?.delta ?? null]).not.toContain(null);
  });

  it('unsubscribes a closed position with POST /iserver/marketdata/unsubscribe', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    const model = pair.fake.control.model;
    const closing = model
      .positions(MAIN_ACCOUNT)
      .find(
        (row) =>
          row.quantity !== 0 &&
          model.contract(row.conId)?.secType === 'OPT' &&
          model.positions().filter((other) => other.conId === row.conId && other.quantity !== 0).length === 1,
      )!;
    expect(pair.fake.control.subscribedConIds()).toContain(closing.conId);
    model.setPosition(MAIN_ACCOUNT, closing.conId, 0);
    await waitFor(() => !pair!.fake.control.subscribedConIds().includes(closing.conId), 'its stream ended');
    const unsubscribes = pair.fake.control.requests('/iserver/marketdata/unsubscribe');
    expect(unsubscribes.map((entry) => [entry.method, entry.status])).toEqual([['POST', 200]]);
    expect(pair.broker.snapshot(MAIN_ACCOUNT).greeks[closing.conId]).toBeUndefined();
    expect(pair.broker.state()).toBe('ready');
  });
});
