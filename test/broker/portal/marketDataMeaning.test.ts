import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

describe('PORTAL keeps what the gateway means by a value', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('treats 6509 "O" as no data: down, an error that says what to do, no Greeks', async () => {
    pair = await startPortalPair({ start: false });
    pair.fake.control.setAvailability('O');
    pair.broker.start();
    const event = await waitFor(
      () => pair!.eventsOf('error').find((candidate) => candidate.details?.kind === 'market_data_ack'),
      'market data acknowledgement error',
    );
    expect(event.message).toMatch(/market data API acknowledgement is not signed.*Client Portal web site/);
    // 'down' is what the human_needed alert counts: someone has to sign it.
    expect(pair.broker.state()).toBe('down');
    await expect(pair.broker.waitUntilReady(500)).rejects.toThrow(/acknowledgement/);
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.positions.length).toBeGreaterThan(0);
    expect(snapshot.greeks).toEqual({});
    expect(snapshot.underlyingPrices).toEqual({});
    pair.fake.control.setAvailability('R');
    await pair.broker.waitUntilReady(20_000);
    expect(Object.keys(pair.broker.snapshot(MAIN_ACCOUNT).greeks).length).toBeGreaterThan(0);
  });
});
