import type { BrokerSnapshot } from '../../../src/broker/types';
import { aggregateGreeks } from '../../../src/greeks';
import { MULTI_CURRENCY_CONIDS, multiCurrencyPortfolio } from '../../../src/sim/model';
import { eventually, MAIN_ACCOUNT, startSimAndBroker, waitForFreshGreeks, type SimBroker } from './simHarness';

const MAX_AGE = 60_000;

function aggregate(snapshot: BrokerSnapshot, extra: { betas?: Record<string, number>; betaBenchmark?: string } = {}) {
  return aggregateGreeks(snapshot, { now: snapshot.takenAt, maxAgeMs: MAX_AGE, ...extra });
}

function breakdown(result: ReturnType<typeof aggregate>, underlying: string) {
  const found = result.byUnderlying.find((b) => b.underlying === underlying);
  if (!found) throw new Error(`no ${underlying} in the breakdown`);
  return found;
}

/** Every delta-one position has a price and the account's base currency is known: the snapshot is complete. */
function complete(h: SimBroker): BrokerSnapshot | false {
  const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
  const pricesFor = snapshot.positions.filter((p) => p.secType === 'STK' || p.secType === 'FUT');
  if (pricesFor.some((p) => !snapshot.underlyingPrices[p.conId])) return false;
  return snapshot.exchangeRates?.baseCurrency ? snapshot : false;
}

describe('SOCKET adapter: base currency, exchange rates and the beta benchmark', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("converts EUR and JPY positions at the gateway's ExchangeRate account values into the USD base", async () => {
    h = await startSimAndBroker({
      sim: { portfolio: multiCurrencyPortfolio(Date.now()) },
      broker: { account: MAIN_ACCOUNT },
    });
    await waitForFreshGreeks(h, 0);
    const snapshot = await eventually(() => complete(h!), { what: 'prices and exchange rates' });
    expect(snapshot.exchangeRates).toEqual({ baseCurrency: 'USD', rates: { USD: 1, EUR: 1.08, JPY: 0.0066 } });

    const converted = aggregate(snapshot);
    // The same snapshot without rates leaves each figure in its own currency: the ratio is IBKR's rate.
    const { exchangeRates: _rates, ...withoutRates } = snapshot;
    const raw = aggregate(withoutRates);
    expect(converted.excluded).toEqual([]);
    expect(breakdown(converted, 'AAPL').dollarDelta).toBe(breakdown(raw, 'AAPL').dollarDelta);
    expect(breakdown(converted, 'SAP').dollarDelta).toBeCloseTo(breakdown(raw, 'SAP').dollarDelta * 1.08, 6);
    expect(breakdown(converted, 'SAP').vega).toBeCloseTo(breakdown(raw, 'SAP').vega * 1.08, 9);
    expect(breakdown(converted, 'SAP').theta).toBeCloseTo(breakdown(raw, 'SAP').theta * 1.08, 9);
    expect(breakdown(converted, 'N225M').dollarDelta).toBeCloseTo(breakdown(raw, 'N225M').dollarDelta * 0.0066, 6);
    // Share-equivalent delta is a count of the underlying: no conversion.
    expect(converted.totals.delta).toBe(raw.totals.delta);
    expect(converted.totals.dollarDelta).toBeCloseTo(
      breakdown(raw, 'AAPL').dollarDelta +
        breakdown(raw, 'SAP').dollarDelta * 1.08 +
        breakdown(raw, 'N225M').dollarDelta * 0.0066,
      6,
    );
    expect(converted.units.currency).toBe(
      "USD, the account's base currency: vega, theta, dollarDelta, dollarGamma and P&L are in USD; " +
        "converted at IBKR's exchange rates 1 EUR = 1.08 USD, 1 JPY = 0.0066 USD",
    );
  });

  it('excludes, and lists, the JPY future when the gateway reports no JPY rate', async () => {
    h = await startSimAndBroker({
      sim: { portfolio: multiCurrencyPortfolio(Date.now(), { exchangeRates: { EUR: 1.08 } }) },
      broker: { account: MAIN_ACCOUNT },
    });
    await waitForFreshGreeks(h, 0);
    const snapshot = await eventually(() => complete(h!), { what: 'prices and exchange rates' });
    const result = aggregate(snapshot);
    expect(result.excluded).toEqual([
      expect.objectContaining({ conId: MULTI_CURRENCY_CONIDS.nikkeiMiniFuture, reason: 'no_exchange_rate' }),
    ]);
    expect(breakdown(result, 'N225M').dollarDelta).toBe(0);
    expect(result.coverage).toBe(1);
  });

  it('streams a benchmark the account does not hold on one counted line and computes beta-weighted delta', async () => {
    h = await startSimAndBroker({
      sim: { portfolio: multiCurrencyPortfolio(Date.now()) },
      broker: { account: MAIN_ACCOUNT, betaBenchmark: 'SPY' },
    });
    // 2 options and 2 delta-one positions, plus the benchmark.
    await eventually(() => h!.broker.marketDataStats().linesInUse === 5 && h!.sim.linesInUse() === 5, {
      what: 'five lines at both ends',
    });
    const snapshot = await eventually(
      () => {
        const s = complete(h!);
        return s && s.benchmark && Object.keys(s.greeks).length === 2 ? s : false;
      },
      { what: 'a benchmark price' },
    );
    expect(snapshot.positions.some((p) => p.underlying === 'SPY')).toBe(false);
    expect(snapshot.benchmark).toMatchObject({ symbol: 'SPY', currency: 'USD', marketDataType: 'live' });
    const spyPrice = snapshot.benchmark!.price;
    expect(spyPrice).toBeGreaterThan(0);

    const betas = { AAPL: 1.2, SAP: 1.1, N225M: 0.8 };
    const result = aggregate(snapshot, { betas, betaBenchmark: 'SPY' });
    const expected =
      (breakdown(result, 'AAPL').dollarDelta * 1.2 +
        breakdown(result, 'SAP').dollarDelta * 1.1 +
        breakdown(result, 'N225M').dollarDelta * 0.8) /
      spyPrice;
    expect(result.betaWeightedDelta).toBeCloseTo(expected, 9);
    expect(result.betaBenchmark).toBe('SPY');
    expect(result.units.betaWeightedDeltaReason).toBeUndefined();
  });

  it('counts the benchmark line in the budget, and gives it out last when the budget is short', async () => {
    h = await startSimAndBroker({
      sim: { portfolio: multiCurrencyPortfolio(Date.now()) },
      broker: { account: MAIN_ACCOUNT, betaBenchmark: 'SPY', maxMarketDataLines: 4 },
    });
    await eventually(() => h!.broker.marketDataStats().linesInUse === 4 && h!.sim.linesInUse() === 4, {
      what: 'four lines at both ends',
    });
    expect(h.broker.marketDataStats().overBudget).toEqual([-1]);
    const budgetEvent = h.events.find((e) => e.type === 'line_budget_exceeded');
    expect(budgetEvent?.details).toMatchObject({ maxLines: 4, wanted: 5, unsubscribed: 1, conIds: [-1] });
    const snapshot = await eventually(() => complete(h!), { what: 'prices and exchange rates' });
    expect(snapshot.benchmark).toBeNull();
    const result = aggregate(snapshot, { betas: { AAPL: 1, SAP: 1, N225M: 1 }, betaBenchmark: 'SPY' });
    expect(result.betaWeightedDelta).toBeNull();
    expect(result.units.betaWeightedDeltaReason).toMatch(/^no_benchmark_price: /);
  });

  it('says the benchmark has no price when the gateway does not know its symbol', async () => {
    h = await startSimAndBroker({
      sim: { portfolio: multiCurrencyPortfolio(Date.now()) },
      broker: { account: MAIN_ACCOUNT, betaBenchmark: 'NOSUCH' },
    });
    await waitForFreshGreeks(h, 0);
    const snapshot = await eventually(() => complete(h!), { what: 'prices and exchange rates' });
    expect(snapshot.benchmark).toBeNull();
    expect(h.broker.marketDataStats().failed).toEqual([-1]);
    const result = aggregate(snapshot, { betas: { AAPL: 1, SAP: 1, N225M: 1 }, betaBenchmark: 'NOSUCH' });
    expect(result.betaWeightedDelta).toBeNull();
    expect(result.units.betaWeightedDeltaReason).toMatch(/^no_benchmark_price: no price for NOSUCH/);
  });
});
