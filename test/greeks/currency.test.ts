import type { BrokerSnapshot, ExchangeRates, OptionGreeks, Position, PriceQuote } from '../../src/broker/types';
import { aggregateGreeks } from '../../src/greeks';
import { currencyUnitsText, moneyCurrencyOf, rateToBase } from '../../src/greeks/currency';

const NOW = 1_700_000_000_000;
const MAX_AGE = 15_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function greeks(conId: number, values: Partial<OptionGreeks>): OptionGreeks {
  return {
    conId,
    delta: null,
    gamma: null,
    vega: null,
    theta: null,
    impliedVol: 0.2,
    underlyingPrice: null,
    optionPrice: 1,
    computedAt: NOW - 1_000,
    marketDataType: 'live',
    stale: false,
    ...values,
  };
}

const aaplCall: Position = {
  account: 'DU1',
  conId: 1,
  localSymbol: 'AAPL  261218C00200000',
  underlying: 'AAPL',
  secType: 'OPT',
  right: 'C',
  multiplier: 100,
  quantity: 2,
  currency: 'USD',
};
const estxCall: Position = {
  account: 'DU1',
  conId: 2,
  localSymbol: 'C OESX 20261218 M 5000',
  underlying: 'ESTX50',
  secType: 'OPT',
  right: 'C',
  multiplier: 10,
  quantity: 3,
  currency: 'EUR',
};
const nikkeiFuture: Position = {
  account: 'DU1',
  conId: 3,
  localSymbol: 'N225MZ6',
  underlying: 'N225M',
  secType: 'FUT',
  multiplier: 100,
  quantity: -1,
  currency: 'JPY',
};
const nestleStock: Position = {
  account: 'DU1',
  conId: 4,
  localSymbol: 'NESN',
  underlying: 'NESN',
  secType: 'STK',
  multiplier: 0,
  quantity: 10,
  currency: 'CHF',
};

/** USD base; EUR and JPY have IBKR rates, CHF has none. */
function threeCurrencyBook(exchangeRates: ExchangeRates | undefined): BrokerSnapshot {
  const quotes: PriceQuote[] = [
    { conId: 3, price: 38_000, at: NOW - 500, marketDataType: 'live' },
    { conId: 4, price: 100, at: NOW - 500, marketDataType: 'live' },
  ];
  return deepFreeze({
    account: 'DU1',
    mode: 'SOCKET',
    takenAt: NOW,
    connection: 'ready',
    positions: [aaplCall, estxCall, nikkeiFuture, nestleStock],
    greeks: {
      // q·m = 200: delta 100, gamma 4, vega 30 USD, theta -10 USD, $delta 20,000 USD, $gamma 4 × 200² × 0.01 = 1,600 USD
      1: greeks(1, { delta: 0.5, gamma: 0.02, vega: 0.15, theta: -0.05, underlyingPrice: 200 }),
      // q·m = 30: delta 12, gamma 0.03, vega 150 EUR = 165 USD, theta -60 EUR = -66 USD,
      // $delta 12 × 5,000 = 60,000 EUR = 66,000 USD, $gamma 0.03 × 5,000² × 0.01 = 7,500 EUR = 8,250 USD
      2: greeks(2, { delta: 0.4, gamma: 0.001, vega: 5, theta: -2, underlyingPrice: 5000 }),
    },
    // -1 × 100 at 38,000 JPY: delta -100, $delta -3,800,000 JPY × 0.0065 = -24,700 USD
    underlyingPrices: Object.fromEntries(quotes.map((q) => [q.conId, q])),
    pnl: { daily: 120, unrealized: -300, realized: 0 },
    marketDataType: 'live',
    positionsComplete: true,
    ...(exchangeRates ? { exchangeRates } : {}),
  } satisfies BrokerSnapshot);
}

const USD_RATES: ExchangeRates = { baseCurrency: 'USD', rates: { USD: 1, EUR: 1.1, JPY: 0.0065 } };

describe('money figures in the base currency', () => {
  it('converts vega, theta, dollar delta and dollar gamma at IBKR rates, by hand-computed figures', () => {
    const result = aggregateGreeks(threeCurrencyBook(USD_RATES), { now: NOW, maxAgeMs: MAX_AGE });
    // NESN (CHF, no rate) still adds its 10 shares: a share count needs no exchange rate.
    expect(result.totals.delta).toBeCloseTo(100 + 12 - 100 + 10, 9);
    expect(result.totals.gamma).toBeCloseTo(4 + 0.03, 9);
    expect(result.totals.vega).toBeCloseTo(30 + 165, 9);
    expect(result.totals.theta).toBeCloseTo(-10 - 66, 9);
    expect(result.totals.dollarDelta).toBeCloseTo(20_000 + 66_000 - 24_700, 6);
    expect(result.totals.dollarGamma).toBeCloseTo(1_600 + 8_250, 6);

    const estx = result.byUnderlying.find((b) => b.underlying === 'ESTX50')!;
    expect(estx.vega).toBeCloseTo(165, 9);
    expect(estx.dollarDelta).toBeCloseTo(66_000, 6);
    // The price stays in the instrument's own currency: it is a quote, not a money figure of the account.
    expect(estx.underlyingPrice).toBe(5000);
    expect(result.byUnderlying.find((b) => b.underlying === 'N225M')!.dollarDelta).toBeCloseTo(-24_700, 6);
  });

  it('excludes and lists a position whose currency has no IBKR rate, and names the rates used in the units', () => {
    const result = aggregateGreeks(threeCurrencyBook(USD_RATES), { now: NOW, maxAgeMs: MAX_AGE });
    expect(result.excluded).toEqual([
      {
        conId: 4,
        localSymbol: 'NESN',
        underlying: 'NESN',
        quantity: 10,
        reason: 'no_exchange_rate',
        excludedFrom: 'money',
      },
    ]);
    expect(result.byUnderlying.find((b) => b.underlying === 'NESN')!.dollarDelta).toBe(0);
    expect(result.coverage).toBe(1);
    expect(result.units.currency).toBe(
      "USD, the account's base currency: vega, theta, dollarDelta, dollarGamma and P&L are in USD; " +
        "converted at IBKR's exchange rates 1 EUR = 1.1 USD, 1 JPY = 0.0065 USD",
    );
    expect(result.units.pnl).toMatch(/in USD$/);
  });

  it('counts an option without a rate as uncovered, so coverage shows the gap', () => {
    const result = aggregateGreeks(threeCurrencyBook({ baseCurrency: 'USD', rates: { JPY: 0.0065 } }), {
      now: NOW,
      maxAgeMs: MAX_AGE,
    });
    expect(result.excluded.map((e) => [e.conId, e.reason])).toEqual([
      [2, 'no_exchange_rate'],
      [4, 'no_exchange_rate'],
    ]);
    expect(result.coverage).toBe(0.5);
    expect(result.totals.vega).toBeCloseTo(30, 9);
    expect(result.totals.dollarDelta).toBeCloseTo(20_000 - 24_700, 6);
  });

  it('converts nothing into an unknown base currency: options excluded, stocks and futures count shares only', () => {
    const result = aggregateGreeks(threeCurrencyBook({ baseCurrency: null, rates: {} }), {
      now: NOW,
      maxAgeMs: MAX_AGE,
    });
    expect(result.excluded.map((e) => e.reason)).toEqual(Array(4).fill('no_exchange_rate'));
    expect(result.excluded.map((e) => e.excludedFrom)).toEqual(['all', 'all', 'money', 'money']);
    // Only the share counts of the N225M future (-1 × 100) and the NESN stock (+10) remain.
    expect(result.totals).toEqual({ delta: -90, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 });
    expect(result.units.currency).toMatch(/^unknown: /);
  });

  it('expresses a EUR-based account in EUR: USD figures divided by the EUR rate', () => {
    const eurBase: ExchangeRates = { baseCurrency: 'EUR', rates: { USD: 0.8, JPY: 0.005, CHF: 1.05 } };
    const result = aggregateGreeks(threeCurrencyBook(eurBase), { now: NOW, maxAgeMs: MAX_AGE });
    // 20,000 USD × 0.8 + 60,000 EUR − 3,800,000 JPY × 0.005 + 10 × 100 CHF × 1.05 = 16,000 + 60,000 − 19,000 + 1,050
    expect(result.totals.dollarDelta).toBeCloseTo(58_050, 6);
    expect(result.totals.vega).toBeCloseTo(30 * 0.8 + 150, 9);
    expect(result.excluded).toEqual([]);
    expect(result.units.currency).toMatch(/^EUR, the account's base currency/);
  });
});

describe('rateToBase', () => {
  it('is 1 for the base, the reported rate for others, null for a missing, zero or non-finite rate', () => {
    const money = moneyCurrencyOf({ baseCurrency: 'usd', rates: { EUR: 1.1, GBP: 0, CHF: Number.NaN } });
    expect(rateToBase('USD', money)).toBe(1);
    expect(rateToBase('eur', money)).toBe(1.1);
    expect(rateToBase('GBP', money)).toBeNull();
    expect(rateToBase('CHF', money)).toBeNull();
    expect(rateToBase('JPY', money)).toBeNull();
  });

  it('leaves figures unconverted only when the broker reports no rates at all, and says so', () => {
    const money = moneyCurrencyOf(undefined);
    expect(rateToBase('EUR', money)).toBe(1);
    expect(currencyUnitsText(money, ['EUR', 'USD'])).toMatch(/nothing was converted/);
  });
});
