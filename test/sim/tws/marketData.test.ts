import { Contract as IbContract, EventName, MarketDataType } from '@stoqey/ib';
import { expiryInstant, OptionContract, valueOption } from '../../../src/sim/model';
import { waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

const OPTION = 700001;
const AAPL = 265598;
const ES_FUTURE = 495512563;
const ES_OPTION = 800001;

function computations(events: unknown[][], reqId: number, tickType: number): unknown[][] {
  return events.filter((args) => args[0] === reqId && args[1] === tickType);
}

describe('TWS simulator: market data', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('streams model Greeks on tick 13 and quote-implied Greeks on 10-12 at the injected clock, and follows the clock', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    client.api.reqMktData(2, { conId: AAPL } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 1 && args[1] === 13);
    await client.waitFor(EventName.tickPrice, (args) => args[0] === 2 && args[1] === 4);
    expect(client.all(EventName.marketDataType)).toContainEqual([1, 1]);
    const expected = sim.model.optionGreeks(OPTION, fixture.clock.now);
    const all = client.all(EventName.tickOptionComputation);
    const [model] = computations(all, 1, 13);
    const [, , , iv, delta, , pvDividend, gamma, vega, theta, undPrice] = model as number[];
    expect({ iv, delta, gamma, vega, theta, undPrice, pvDividend }).toEqual({
      iv: expected.impliedVol,
      delta: expected.delta,
      gamma: expected.gamma,
      vega: expected.vega,
      theta: expected.theta,
      undPrice: expected.underlyingPrice,
      pvDividend: 0,
    });
    // Bid, ask and last computations carry the volatility implied by that price: repricing at it gives the price.
    const contract = sim.model.contract(OPTION) as OptionContract;
    const years = (expiryInstant(contract.expiry) - sim.model.bucketStart(fixture.clock.now)) / (365 * 86_400_000);
    const quoteIvs: number[] = [];
    for (const tickType of [10, 11, 12]) {
      const [args] = computations(all, 1, tickType);
      const [, , , quoteIv, quoteDelta, price, , , , , quoteUnd] = args as number[];
      const repriced = valueOption({
        right: contract.right,
        underlyingPrice: expected.underlyingPrice,
        strike: contract.strike,
        years,
        volatility: quoteIv,
        rate: sim.model.rate,
        onFuture: false,
      });
      expect(repriced.price).toBeCloseTo(price, 6);
      expect(quoteDelta).toBeCloseTo(repriced.delta, 9);
      expect(quoteUnd).toBe(expected.underlyingPrice);
      quoteIvs.push(quoteIv);
    }
    // Bid below the model price implies a lower volatility, ask a higher one.
    expect(quoteIvs[0]).toBeLessThan(expected.impliedVol);
    expect(quoteIvs[1]).toBeGreaterThan(expected.impliedVol);
    expect(computations(all, 1, 13)[0][5]).toBe(expected.optionPrice);
    expect(sim.lastSentGreeks(OPTION)).toMatchObject({ kind: 'computed', tickType: 13, greeks: expected, reqId: 1 });
    // Underlying: bid/ask/last around the walk price; the client derives sizes from tickPrice.
    const last = client.all(EventName.tickPrice).find((args) => args[0] === 2 && args[1] === 4)!;
    expect(last[2]).toBeCloseTo(sim.model.underlyingPrice(AAPL, fixture.clock.now), 2);
    // (The client drops the bid size: its `if (sizeTickType)` treats BID_SIZE = 0 as absent.)
    expect(client.all(EventName.tickSize)).toContainEqual([2, 3, 10]);

    fixture.clock.advance(7_000);
    const mark = client.mark();
    sim.control.publishNow();
    const next = (await client.waitFor(
      EventName.tickOptionComputation,
      (args) => args[0] === 1 && args[1] === 13,
      15_000,
      mark,
    )) as number[];
    const later = sim.model.optionGreeks(OPTION, fixture.clock.now);
    expect(later.delta).not.toBe(expected.delta);
    expect([next[4], next[7], next[8], next[9]]).toEqual([later.delta, later.gamma, later.vega, later.theta]);
  });

  it('serves delayed data with 10167 and ticks 66-68 / 80-83 when the account lacks live data', async () => {
    const sim = await fixture.start({ settings: { liveEntitled: false, tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor('error', (args) => args[1] === 354 && args[2] === 1);
    client.api.reqMarketDataType(MarketDataType.DELAYED);
    client.api.reqMktData(2, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 2 && args[1] === 83);
    expect(client.errorCodes()).toContainEqual([10167, 2]);
    expect(client.all(EventName.marketDataType)).toContainEqual([2, 3]);
    const types = new Set(client.all(EventName.tickOptionComputation).map((args) => args[1]));
    expect(types).toEqual(new Set([80, 81, 82, 83]));
    const priceTypes = new Set(
      client
        .all(EventName.tickPrice)
        .filter((args) => args[0] === 2)
        .map((args) => args[1]),
    );
    expect(priceTypes).toEqual(new Set([66, 67, 68, 75]));
    expect(sim.lastSentGreeks(OPTION)?.tickType).toBe(83);
  });

  it('serves frozen data (type 2) outside market hours, live data to an entitled account asking for delayed', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 50 } });
    const client = await fixture.connected();
    client.api.reqMarketDataType(MarketDataType.DELAYED);
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.marketDataType, (args) => args[0] === 1);
    expect(client.all(EventName.marketDataType)).toContainEqual([1, 1]);
    sim.control.setMarketData({ marketOpen: false });
    client.api.reqMarketDataType(MarketDataType.FROZEN);
    client.api.reqMktData(2, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 2 && args[1] === 13);
    expect(client.all(EventName.marketDataType)).toContainEqual([2, 2]);
    // Frozen is one round of last values: after many stream rounds for reqId 1, reqId 2 still has one.
    const start = client.count(EventName.tickOptionComputation);
    await waitUntil(() => client.count(EventName.tickOptionComputation) > start + 20, 'streaming ticks for reqId 1');
    expect(computations(client.all(EventName.tickOptionComputation), 2, 13)).toHaveLength(1);
  });

  it('answers snapshots with tickSnapshotEnd, rejects generic ticks on snapshots (321), cancels (300)', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(5, { conId: OPTION } as IbContract, '', true, false);
    await client.waitFor(EventName.tickSnapshotEnd, (args) => args[0] === 5);
    expect(computations(client.all(EventName.tickOptionComputation), 5, 13)).toHaveLength(1);
    client.api.reqMktData(6, { conId: OPTION } as IbContract, '100,101', true, false);
    await client.waitFor('error', (args) => args[1] === 321 && args[2] === 6);
    client.api.cancelMktData(5);
    await client.waitFor('error', (args) => args[1] === 300 && args[2] === 5);
    client.api.reqMktData(7, { conId: 42 } as IbContract, '', false, false);
    await client.waitFor('error', (args) => args[1] === 200 && args[2] === 7);
    expect(sim.linesInUse()).toBe(0);
  });

  it('sends the previous close first, the day volume, generic ticks 100/101/106, and model ticks after every quote', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(1, { conId: AAPL } as IbContract, '100,101,106', false, false);
    client.api.reqMktData(2, { conId: OPTION } as IbContract, '101', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 2 && args[1] === 13);
    const firstPrice = client.all(EventName.tickPrice).find((args) => args[0] === 1)!;
    const close = sim.model.underlyingPrice(AAPL, Date.UTC(2026, 2, 2));
    expect(firstPrice.slice(0, 3)).toEqual([1, 9, Math.round(close * 100) / 100]);
    expect(client.all(EventName.tickPrice).filter((args) => args[1] === 9)).toHaveLength(2); // once per line
    // Day volume: 100 + conId mod 97 + seconds since 00:00 UTC.
    const seconds = Math.floor((fixture.clock.now - Date.UTC(2026, 2, 2)) / 1000);
    expect(client.all(EventName.tickSize)).toContainEqual([1, 8, 100 + (AAPL % 97) + seconds]);
    const sizes = client
      .all(EventName.tickSize)
      .filter((args) => args[0] === 1)
      .map((args) => args[1]);
    expect(sizes).toEqual(expect.arrayContaining([27, 28, 29, 30]));
    expect(client.all(EventName.tickGeneric)).toContainEqual([1, 24, 0.27]);
    // The option is a call: its open interest comes as tick 27 only.
    const optionSizes = client
      .all(EventName.tickSize)
      .filter((args) => args[0] === 2)
      .map((args) => args[1]);
    expect(optionSizes).toContain(27);
    expect(optionSizes).not.toContain(28);

    // In a round, every line's quotes (and quote computations) go first, the model computations after them.
    const mark = client.mark();
    client.api.reqMktData(3, { conId: 700002 } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 3 && args[1] === 13, 15_000, mark);
    const round = client.mark();
    sim.control.publishNow();
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 3 && args[1] === 13, 15_000, round);
    const order = client.events
      .slice(round)
      .filter((event) => event.name === EventName.tickOptionComputation)
      .map((event) => `${event.args[0]}:${event.args[1]}`);
    expect(order).toEqual(['2:10', '2:11', '2:12', '3:10', '3:11', '3:12', '2:13', '3:13']);
  });

  it('refuses futures and futures-option market data without their listing exchange, as IBKR does', async () => {
    await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    // The conId alone identifies the contract, but IBKR still validates the exchange of FUT/FOP requests.
    client.api.reqMktData(1, { conId: ES_OPTION, exchange: '' } as IbContract, '', false, false);
    client.api.reqMktData(2, { conId: ES_FUTURE, exchange: '' } as IbContract, '', false, false);
    client.api.reqMktData(3, { conId: ES_OPTION, exchange: 'SMART' } as IbContract, '', false, false);
    client.api.reqMktData(4, { conId: ES_OPTION, exchange: 'CME' } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 4 && args[1] === 13);
    const refusals = client.errorCodes().filter(([, reqId]) => reqId !== 4);
    expect(refusals).toEqual([
      [321, 1],
      [321, 2],
      [200, 3],
    ]);
    expect(client.all(EventName.tickPrice).some((args) => [1, 2, 3].includes(args[0] as number))).toBe(false);
  });

  it('enforces the line limit (101) and duplicate ticker ids (322)', async () => {
    const sim = await fixture.start({ settings: { lineLimit: 3, tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    for (let reqId = 1; reqId <= 4; reqId += 1) {
      client.api.reqMktData(reqId, { conId: OPTION + reqId } as IbContract, '', false, false);
    }
    client.api.reqMktData(2, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor('error', (args) => args[1] === 101 && args[2] === 4);
    await client.waitFor('error', (args) => args[1] === 322 && args[2] === 2);
    expect(sim.linesInUse()).toBe(3);
    client.api.cancelMktData(1);
    client.api.reqMktData(5, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.marketDataType, (args) => args[0] === 5);
    expect(sim.linesInUse()).toBe(3);
  });

  it('monitors pacing: more than 50 messages in a second gives error 100', async () => {
    const sim = await fixture.start();
    const client = fixture.client(undefined, 1000);
    await client.connect();
    for (let i = 0; i < 80; i += 1) client.api.reqCurrentTime();
    await client.waitFor(EventName.info, (args) => args[1] === 100);
    await waitUntil(() => (sim.counters().pacingViolations ?? 0) > 0, 'pacing violations counted');
    expect(sim.counters().reqCurrentTime).toBeLessThanOrEqual(50);
  });

  describe('Greeks states', () => {
    it('not computed: -1/-2 sentinels and Double.MAX strings reach the client as undefined', async () => {
      const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
      sim.control.setGreeksBehaviour({ conId: OPTION, behaviour: { mode: 'notComputed', sentinel: 'negative' } });
      sim.control.setGreeksBehaviour({ conId: OPTION + 1, behaviour: { mode: 'notComputed', sentinel: 'doubleMax' } });
      const client = await fixture.connected();
      client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
      client.api.reqMktData(2, { conId: OPTION + 1 } as IbContract, '', false, false);
      for (const reqId of [1, 2]) {
        const args = await client.waitFor(EventName.tickOptionComputation, (a) => a[0] === reqId && a[1] === 13);
        expect(args.slice(3)).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
      }
      expect(sim.lastSentGreeks(OPTION)?.fields).toEqual([-1, -2, -1, -1, -2, -2, -2, -1]);
    });

    it('never: prices but no computation ticks; no underlying permission: 10090 and no Greeks', async () => {
      const sim = await fixture.start({ settings: { tickIntervalMs: 50 } });
      sim.control.setGreeksBehaviour({ conId: OPTION, behaviour: { mode: 'never' } });
      const client = await fixture.connected();
      client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
      client.api.reqMktData(2, { conId: OPTION + 1 } as IbContract, '', false, false);
      await waitUntil(
        () => computations(client.all(EventName.tickOptionComputation), 2, 13).length >= 5,
        'rounds for reqId 2',
      );
      expect(client.all(EventName.tickOptionComputation).filter((args) => args[0] === 1)).toEqual([]);
      expect(client.all(EventName.tickPrice).filter((args) => args[0] === 1).length).toBeGreaterThan(5);
      expect(sim.lastSentGreeks(OPTION)).toBeUndefined();
      sim.control.setEntitlement({ conId: OPTION + 2, entitlement: 'noUnderlyingPermission' });
      client.api.reqMktData(3, { conId: OPTION + 2 } as IbContract, '', false, false);
      await client.waitFor('error', (args) => args[1] === 10090 && args[2] === 3);
      await waitUntil(
        () => client.all(EventName.tickPrice).filter((args) => args[0] === 3).length > 5,
        'prices for reqId 3',
      );
      expect(client.all(EventName.tickOptionComputation).filter((args) => args[0] === 3)).toEqual([]);
      sim.control.setEntitlement({ conId: OPTION + 3, entitlement: 'notSubscribed' });
      client.api.reqMktData(4, { conId: OPTION + 3 } as IbContract, '', false, false);
      await client.waitFor('error', (args) => args[1] === 354 && args[2] === 4);
    });

    it('delayed: nothing for N seconds of the model clock, then computed', async () => {
      const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
      sim.control.setGreeksBehaviour({ conId: OPTION, behaviour: { mode: 'delayed', afterSeconds: 10 } });
      const client = await fixture.connected();
      client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
      await client.waitFor(EventName.tickPrice, (args) => args[0] === 1);
      fixture.clock.advance(9_000);
      sim.control.publishNow();
      await waitUntil(
        () => client.all(EventName.tickPrice).filter((args) => args[0] === 1).length >= 6,
        'second round',
      );
      expect(client.count(EventName.tickOptionComputation)).toBe(0);
      fixture.clock.advance(1_000);
      sim.control.publishNow();
      const args = await client.waitFor(EventName.tickOptionComputation, (a) => a[1] === 13);
      expect(args[4]).toBe(sim.model.optionGreeks(OPTION, fixture.clock.now).delta);
    });

    it('flipping: computed and not computed alternate with the clock', async () => {
      const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
      sim.control.setGreeksBehaviour({ conId: OPTION, behaviour: { mode: 'flipping', periodSeconds: 5 } });
      fixture.clock.now = Math.ceil(fixture.clock.now / 10_000) * 10_000; // start of a computed period
      const client = await fixture.connected();
      client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
      const kinds: string[] = [];
      for (let round = 0; round < 4; round += 1) {
        if (round > 0) {
          fixture.clock.advance(5_000);
          sim.control.publishNow();
        }
        await waitUntil(
          () => computations(client.all(EventName.tickOptionComputation), 1, 13).length === round + 1,
          `round ${round}`,
        );
        const args = computations(client.all(EventName.tickOptionComputation), 1, 13)[round];
        kinds.push(args[4] === undefined ? 'notComputed' : 'computed');
      }
      expect(kinds).toEqual(['computed', 'notComputed', 'computed', 'notComputed']);
    });
  });
});
