import type { BrokerSnapshot } from '../../../src/broker/types';
import { ratesFromLedger } from '../../../src/broker/portal/ledger';
import { benchmarkConIdFrom } from '../../../src/broker/portal/benchmarkLookup';
import { aggregateGreeks } from '../../../src/greeks';
import { MAIN_ACCOUNT, MULTI_CURRENCY_CONIDS, multiCurrencyPortfolio } from '../../../src/sim/model';
import { manualClock, startPortalPair, waitFor, type PortalPair } from './portalHarness';

const START = Date.UTC(2026, 2, 10, 15, 0, 0);
const MAX_AGE = 60_000;

function aggregate(snapshot: BrokerSnapshot, extra: { betas?: Record<string, number>; betaBenchmark?: string } = {}) {
  return aggregateGreeks(snapshot, { now: snapshot.takenAt, maxAgeMs: MAX_AGE, ...extra });
}

function dollarDeltaOf(result: ReturnType<typeof aggregate>, underlying: string): number {
  const found = result.byUnderlying.find((b) => b.underlying === underlying);
  if (!found) throw new Error(`no ${underlying} in the breakdown`);
  return found.dollarDelta;
}

/** Every position priced, every option with Greeks, the base currency known (and the benchmark priced if asked). */
function complete(pair: PortalPair, withBenchmark: boolean): BrokerSnapshot | false {
  const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
  if (snapshot.positions.length !== 4 || !snapshot.exchangeRates?.baseCurrency) return false;
  for (const position of snapshot.positions) {
    const option = position.secType === 'OPT';
    if (option && !snapshot.greeks[position.conId]) return false;
    if (!option && !snapshot.underlyingPrices[position.conId]) return false;
  }
  return withBenchmark && !snapshot.benchmark ? false : snapshot;
}

describe('PORTAL adapter: ledger exchange rates and the beta benchmark', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('converts EUR and JPY positions at the ledger rates and polls a benchmark the account does not hold', async () => {
    const clock = manualClock(START);
    pair = await startPortalPair({
      fake: { clock: clock.now, portfolio: multiCurrencyPortfolio(START) },
      broker: { clock: clock.now, account: MAIN_ACCOUNT, betaBenchmark: 'SPY' },
    });
    await pair.broker.waitUntilReady(30_000);
    const snapshot = await waitFor(() => complete(pair!, true), 'a complete snapshot with the benchmark');
    expect(snapshot.exchangeRates).toEqual({ baseCurrency: 'USD', rates: { USD: 1, EUR: 1.08, JPY: 0.0066 } });

    const spy = pair.fake.control.model.underlyingPrice(MULTI_CURRENCY_CONIDS.spyStock, START);
    expect(snapshot.positions.some((p) => p.conId === MULTI_CURRENCY_CONIDS.spyStock)).toBe(false);
    expect(snapshot.benchmark).toMatchObject({ symbol: 'SPY', currency: 'USD' });
    expect(Math.abs(snapshot.benchmark!.price - spy)).toBeLessThanOrEqual(spy * 1e-6);

    const betas = { AAPL: 1.2, SAP: 1.1, N225M: 0.8 };
    const converted = aggregate(snapshot, { betas, betaBenchmark: 'SPY' });
    const { exchangeRates: _rates, ...withoutRates } = snapshot;
    const raw = aggregate(withoutRates);
    expect(converted.excluded).toEqual([]);
    expect(dollarDeltaOf(converted, 'AAPL')).toBe(dollarDeltaOf(raw, 'AAPL'));
    expect(dollarDeltaOf(converted, 'SAP')).toBeCloseTo(dollarDeltaOf(raw, 'SAP') * 1.08, 6);
    expect(dollarDeltaOf(converted, 'N225M')).toBeCloseTo(dollarDeltaOf(raw, 'N225M') * 0.0066, 6);
    expect(converted.units.currency).toMatch(
      /^USD, the account's base currency.*1 EUR = 1\.08 USD, 1 JPY = 0\.0066 USD$/,
    );
    const expected =
      (dollarDeltaOf(converted, 'AAPL') * 1.2 +
        dollarDeltaOf(converted, 'SAP') * 1.1 +
        dollarDeltaOf(converted, 'N225M') * 0.8) /
      snapshot.benchmark!.price;
    expect(converted.betaWeightedDelta).toBeCloseTo(expected, 9);
    expect(converted.betaBenchmark).toBe('SPY');
  });

  it('excludes, and lists, the JPY future when the ledger has no JPY rate', async () => {
    const clock = manualClock(START);
    pair = await startPortalPair({
      fake: { clock: clock.now, portfolio: multiCurrencyPortfolio(START, { exchangeRates: { EUR: 1.08 } }) },
      broker: { clock: clock.now, account: MAIN_ACCOUNT },
    });
    await pair.broker.waitUntilReady(30_000);
    const snapshot = await waitFor(() => complete(pair!, false), 'a complete snapshot');
    expect(snapshot.benchmark).toBeUndefined();
    const result = aggregate(snapshot);
    expect(result.excluded).toEqual([
      expect.objectContaining({ conId: MULTI_CURRENCY_CONIDS.nikkeiMiniFuture, reason: 'no_exchange_rate' }),
    ]);
  });
});

describe('PORTAL adapter: a benchmark the gateway does not know', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('says so once, keeps working, and leaves the benchmark without a price', async () => {
    pair = await startPortalPair({
      fake: { portfolio: multiCurrencyPortfolio(START) },
      broker: { account: MAIN_ACCOUNT, betaBenchmark: 'NOSUCH' },
    });
    await pair.broker.waitUntilReady(30_000);
    const snapshot = await waitFor(() => complete(pair!, false), 'a complete snapshot');
    expect(snapshot.benchmark).toBeNull();
    expect(pair.eventsOf('error').map((e) => e.message)).toEqual(['beta benchmark NOSUCH not found by /trsrv/stocks']);
    const result = aggregate(snapshot, { betas: { AAPL: 1, SAP: 1, N225M: 1 }, betaBenchmark: 'NOSUCH' });
    expect(result.units.betaWeightedDeltaReason).toMatch(/^no_benchmark_price: no price for NOSUCH/);
  });
});

describe('ledger and stock lookup answers', () => {
  it('takes the base currency from the one entry at parity and rejects unreadable rates', () => {
    expect(
      ratesFromLedger({
        BASE: { currency: 'BASE', exchangerate: 1 },
        USD: { currency: 'USD', exchangerate: 1 },
        EUR: { currency: 'EUR', exchangerate: '1.0812' },
        GBP: { currency: 'GBP', exchangerate: 0 },
      }),
    ).toEqual({
      rates: { baseCurrency: 'USD', rates: { USD: 1, EUR: 1.0812 } },
      rejected: ['ledger GBP: exchangerate is not a positive number'],
    });
    expect(ratesFromLedger({ EUR: { exchangerate: 1.08 } }).rates.baseCurrency).toBeNull();
    expect(ratesFromLedger([]).rates).toEqual({ baseCurrency: null, rates: {} });
  });

  it('picks the US listing of the benchmark symbol', () => {
    const body = {
      SPY: [
        {
          name: 'SPDR S&P 500 ETF TRUST',
          assetClass: 'STK',
          contracts: [
            { conid: 12345, exchange: 'MEXI', isUS: false },
            { conid: 756733, exchange: 'ARCA', isUS: true },
          ],
        },
      ],
    };
    expect(benchmarkConIdFrom(body, 'SPY')).toBe(756733);
    expect(benchmarkConIdFrom(body, 'QQQ')).toBeNull();
  });
});
