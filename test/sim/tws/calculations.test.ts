import { Contract as IbContract, EventName } from '@stoqey/ib';
import { expiryInstant, OptionContract, valueOption } from '../../../src/sim/model';
import { SimFixture } from './simFixture';

const OPTION = 700001;
const AAPL = 265598;
const ES_OPTION = 800001;
const ES_FUTURE = 495512563;
/** IBKR's CUST_OPTION_COMPUTATION (@stoqey/ib exports its TickType enum as a type only). */
const CUSTOM = 53;

/** tickOptionComputation arguments as @stoqey/ib emits them, by name. */
function named(args: unknown[]) {
  const [reqId, tickType, tickAttrib, impliedVol, delta, optionPrice, pvDividend, gamma, vega, theta, undPrice] =
    args as Array<number | undefined>;
  return { reqId, tickType, tickAttrib, impliedVol, delta, optionPrice, pvDividend, gamma, vega, theta, undPrice };
}

function expectWithin(actual: number | undefined, expected: number, tolerance: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThan(tolerance);
}

describe('TWS simulator: option calculations (calculateOptionPrice / calculateImpliedVolatility)', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('calculateOptionPrice answers one tick 53 with the model values at the given volatility and underlying price', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 3_600_000 } });
    const client = await fixture.connected();
    const model = sim.model.optionGreeks(OPTION, fixture.clock.now);
    // At the model's own volatility and underlying price the answer is the streaming model computation.
    client.api.calculateOptionPrice(1, { conId: OPTION } as IbContract, model.impliedVol, model.underlyingPrice);
    const atModel = named(await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 1));
    expect(atModel.tickType).toBe(CUSTOM);
    expect(atModel.tickAttrib).toBe(0);
    expect(atModel.pvDividend).toBe(0);
    expectWithin(atModel.impliedVol, model.impliedVol, 1e-9);
    expectWithin(atModel.delta, model.delta, 1e-9);
    expectWithin(atModel.optionPrice, model.optionPrice, 1e-9);
    expectWithin(atModel.gamma, model.gamma, 1e-9);
    expectWithin(atModel.vega, model.vega, 1e-9);
    expectWithin(atModel.theta, model.theta, 1e-9);
    expectWithin(atModel.undPrice, model.underlyingPrice, 1e-9);

    // At other inputs: the same formula, rate and time to expiry, at those inputs.
    const contract = sim.model.contract(OPTION) as OptionContract;
    const volatility = model.impliedVol + 0.1;
    const underlyingPrice = model.underlyingPrice * 1.05;
    client.api.calculateOptionPrice(2, { conId: OPTION } as IbContract, volatility, underlyingPrice);
    const shifted = named(await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 2));
    const years = (expiryInstant(contract.expiry) - sim.model.bucketStart(fixture.clock.now)) / (365 * 86_400_000);
    const expected = valueOption({
      right: contract.right,
      underlyingPrice,
      strike: contract.strike,
      years,
      volatility,
      rate: sim.model.rate,
      onFuture: false,
    });
    expectWithin(shifted.optionPrice, expected.price, 1e-9);
    expectWithin(shifted.delta, expected.delta, 1e-9);
    expectWithin(shifted.gamma, expected.gamma, 1e-9);
    expectWithin(shifted.vega, expected.vega, 1e-9);
    expectWithin(shifted.theta, expected.theta, 1e-9);
    expect(shifted.impliedVol).toBe(volatility);
    expect(shifted.undPrice).toBe(underlyingPrice);
    expect(shifted.optionPrice).toBeGreaterThan(atModel.optionPrice as number);

    // No market-data line is used, and each request is answered exactly once.
    expect(sim.linesInUse()).toBe(0);
    expect(client.all(EventName.tickOptionComputation)).toHaveLength(2);
    expect(client.errorCodes()).toEqual([]);
  });

  it('calculateImpliedVolatility round-trips the model price to the model volatility, for OPT and FOP', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 3_600_000 } });
    const client = await fixture.connected();
    const equity = sim.model.optionGreeks(OPTION, fixture.clock.now);
    const future = sim.model.optionGreeks(ES_OPTION, fixture.clock.now);
    client.api.calculateImpliedVolatility(
      3,
      { conId: OPTION } as IbContract,
      equity.optionPrice,
      equity.underlyingPrice,
    );
    client.api.calculateImpliedVolatility(
      4,
      { conId: ES_OPTION, exchange: 'CME' } as IbContract,
      future.optionPrice,
      future.underlyingPrice,
    );
    for (const [reqId, model] of [
      [3, equity],
      [4, future],
    ] as const) {
      const answer = named(await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === reqId));
      expect(answer.tickType).toBe(CUSTOM);
      expectWithin(answer.impliedVol, model.impliedVol, 1e-6);
      expectWithin(answer.delta, model.delta, 1e-6);
      expectWithin(answer.gamma, model.gamma, 1e-6);
      expectWithin(answer.vega, model.vega, 1e-6);
      expectWithin(answer.theta, model.theta, 1e-6);
      expect(answer.optionPrice).toBe(model.optionPrice);
      expect(answer.undPrice).toBe(model.underlyingPrice);
    }

    // A price below intrinsic value has no volatility: the "not computed" sentinels, which the client makes undefined.
    const contract = sim.model.contract(OPTION) as OptionContract;
    const deepInTheMoney = contract.right === 'C' ? contract.strike * 2 : contract.strike / 2;
    client.api.calculateImpliedVolatility(5, { conId: OPTION } as IbContract, 0.01, deepInTheMoney);
    const none = named(await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 5));
    expect([none.impliedVol, none.delta, none.gamma, none.vega, none.theta]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(client.errorCodes()).toEqual([]);
  });

  it('answers errors as a gateway: 200 unknown contract, 321 non-option or bad input, 321 FOP without exchange', async () => {
    await fixture.start({ settings: { tickIntervalMs: 3_600_000 } });
    const client = await fixture.connected();
    client.api.calculateOptionPrice(10, { conId: 123_456_789 } as IbContract, 0.3, 100);
    client.api.calculateImpliedVolatility(11, { conId: 123_456_789 } as IbContract, 5, 100);
    client.api.calculateOptionPrice(12, { conId: AAPL } as IbContract, 0.3, 190);
    client.api.calculateOptionPrice(13, { conId: ES_FUTURE, exchange: 'CME' } as IbContract, 0.3, 5900);
    client.api.calculateOptionPrice(14, { conId: OPTION } as IbContract, 0, 190);
    client.api.calculateImpliedVolatility(15, { conId: OPTION } as IbContract, 5, -1);
    client.api.calculateOptionPrice(16, { conId: ES_OPTION } as IbContract, 0.2, 5900);
    // Cancels are accepted without a reply, even for ids already answered or never used.
    client.api.cancelCalculateOptionPrice(10);
    client.api.cancelCalculateImpliedVolatility(99);
    client.api.calculateOptionPrice(17, { conId: ES_OPTION, exchange: 'CME' } as IbContract, 0.2, 5900);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 17);
    expect(client.errorCodes()).toEqual([
      [200, 10],
      [200, 11],
      [321, 12],
      [321, 13],
      [321, 14],
      [321, 15],
      [321, 16],
    ]);
    expect(client.all(EventName.tickOptionComputation).map((args) => args[0])).toEqual([17]);
  });

  it('refuses every calculation with the configured code while the refusal knob is set', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 3_600_000, calculationRefusalCode: 354 } });
    const client = await fixture.connected();
    client.api.calculateOptionPrice(20, { conId: OPTION } as IbContract, 0.3, 190);
    client.api.calculateImpliedVolatility(21, { conId: OPTION } as IbContract, 5, 190);
    await client.waitFor(EventName.error, (args) => args[2] === 21);
    expect(client.errorCodes()).toEqual([
      [354, 20],
      [354, 21],
    ]);
    sim.control.setCalculations({ refusalCode: 10090 });
    client.api.calculateOptionPrice(22, { conId: OPTION } as IbContract, 0.3, 190);
    await client.waitFor(EventName.error, (args) => args[2] === 22);
    expect(client.errorCodes()).toContainEqual([10090, 22]);
    expect(client.count(EventName.tickOptionComputation)).toBe(0);

    sim.control.setCalculations({ refusalCode: null });
    client.api.calculateOptionPrice(23, { conId: OPTION } as IbContract, 0.3, 190);
    const answer = named(await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 23));
    expect(answer.tickType).toBe(CUSTOM);
    expect(client.errorCodes().map(([, reqId]) => reqId)).not.toContain(23);
    expect(() => sim.control.setCalculations({ refusalCode: 'no' as unknown as number })).toThrow(
      /control setCalculations: refusalCode/,
    );
  });

  it('sends futures options an unknown underlying price while fopWithoutUnderlyingPrice is set', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 3_600_000, fopWithoutUnderlyingPrice: true } });
    const client = await fixture.connected();
    client.api.reqMktData(30, { conId: ES_OPTION, exchange: 'CME' } as IbContract, '', false, false);
    client.api.reqMktData(31, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 30 && args[1] === 13);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 31 && args[1] === 13);
    const fop = sim.model.optionGreeks(ES_OPTION, fixture.clock.now);
    const equity = sim.model.optionGreeks(OPTION, fixture.clock.now);
    const fopTicks = client.all(EventName.tickOptionComputation).filter((args) => args[0] === 30);
    // Every computation of the FOP (bid, ask, last, model) lacks the underlying price; the Greeks are still there.
    expect(fopTicks.map((args) => args[1]).sort()).toEqual([10, 11, 12, 13]);
    for (const args of fopTicks) expect(named(args).undPrice).toBeUndefined();
    const fopModel = named(fopTicks.find((args) => args[1] === 13)!);
    expect([fopModel.delta, fopModel.impliedVol]).toEqual([fop.delta, fop.impliedVol]);
    const equityModel = named(
      client.all(EventName.tickOptionComputation).find((args) => args[0] === 31 && args[1] === 13)!,
    );
    expect(equityModel.undPrice).toBe(equity.underlyingPrice);

    sim.control.setMarketData({ fopWithoutUnderlyingPrice: false });
    const mark = client.mark();
    sim.control.publishNow();
    const next = named(
      await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 30 && args[1] === 13, 15_000, mark),
    );
    expect(next.undPrice).toBe(fop.underlyingPrice);
  });
});
