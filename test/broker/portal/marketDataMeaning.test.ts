import { aggregateGreeks } from '../../../src/greeks';
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

  it('labels a C (previous close) underlying price as frozen, and the Greeks and dollar figures built on it', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    const option = pair.broker
      .snapshot(MAIN_ACCOUNT)
      .positions.find((position) => position.secType === 'OPT' && position.underlyingConId !== undefined)!;
    const underConId = option.underlyingConId!;
    pair.fake.control.setFieldOverrides(underConId, { '31': 'C179.39' });
    const snapshot = await waitFor(() => {
      const taken = pair!.broker.snapshot(MAIN_ACCOUNT);
      return taken.underlyingPrices[underConId]?.price === 179.39 ? taken : undefined;
    }, 'the close price');
    expect(snapshot.underlyingPrices[underConId].marketDataType).toBe('frozen');
    expect(snapshot.greeks[option.conId]).toMatchObject({ underlyingPrice: 179.39, marketDataType: 'frozen' });
    const aggregated = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 60_000 });
    expect(aggregated.marketDataType).not.toBe('live');
  });

  it('labels an H (halted) price as frozen, not live', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    const underConId = pair.broker
      .snapshot(MAIN_ACCOUNT)
      .positions.find((position) => position.underlyingConId !== undefined)!.underlyingConId!;
    pair.fake.control.setHalted(underConId, true);
    const quote = await waitFor(
      () => pair!.broker.snapshot(MAIN_ACCOUNT).underlyingPrices[underConId]?.marketDataType === 'frozen',
      'halted price labelled frozen',
    );
    expect(quote).toBe(true);
    pair.fake.control.setHalted(underConId, false);
    await waitFor(
      () => pair!.broker.snapshot(MAIN_ACCOUNT).underlyingPrices[underConId]?.marketDataType === 'live',
      'live again after the halt',
    );
  });

  it('dates values by _updated, so a frozen stream that repeats old values turns stale', async () => {
    // The fake dates a live conid by its 1 s model bucket: a live value is at most about a second old when polled, so
    // a 3 s limit leaves a busy machine two seconds of polling delay before a live conid could look frozen.
    const staleAfterMs = 3000;
    pair = await startPortalPair({ broker: { staleAfterMs } });
    await pair.broker.waitUntilReady(20_000);
    const [frozen, live] = pair.broker
      .snapshot(MAIN_ACCOUNT)
      .positions.filter((position) => position.secType === 'OPT');
    pair.fake.control.freezeConId(frozen.conId, true);
    const stale = await waitFor(
      () => {
        const greeks = pair!.broker.snapshot(MAIN_ACCOUNT).greeks[frozen.conId];
        return greeks?.stale ? greeks : undefined;
      },
      'the frozen conid flagged stale',
      10_000,
    );
    const after = pair.broker.snapshot(MAIN_ACCOUNT);
    expect(after.greeks[live.conId].stale).toBe(false);
    // The values are as old as the gateway says, not as recent as the last poll.
    expect(after.greeks[frozen.conId].computedAt).toBe(stale.computedAt);
    expect(after.takenAt - stale.computedAt).toBeGreaterThan(staleAfterMs);
    pair.fake.control.freezeConId(frozen.conId, false);
    await waitFor(() => pair!.broker.snapshot(MAIN_ACCOUNT).greeks[frozen.conId]?.stale === false, 'fresh again');
  });
});
