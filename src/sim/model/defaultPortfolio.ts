import { valueOption } from './blackScholes';
import { parsePortfolio } from './loadPortfolio';
import { Portfolio, PortfolioFile, UnderlyingContractInput } from './portfolioSchema';
import { formatYmd, MS_PER_DAY } from './time';

export const MAIN_ACCOUNT = 'DU1234567';
export const SMALL_ACCOUNT = 'DU7654321';

interface UnderlyingSpec {
  conId: number;
  symbol: string;
  price: number;
  walkVolatility: number;
  impliedVol: number;
  strikeStep: number;
}

/** Real IBKR conIds for the stocks, so contract lookups look familiar. */
const EQUITY_UNDERLYINGS: UnderlyingSpec[] = [
  { conId: 265598, symbol: 'AAPL', price: 190, walkVolatility: 0.25, impliedVol: 0.27, strikeStep: 5 },
  { conId: 272093, symbol: 'MSFT', price: 420, walkVolatility: 0.22, impliedVol: 0.24, strikeStep: 5 },
  { conId: 756733, symbol: 'SPY', price: 560, walkVolatility: 0.15, impliedVol: 0.16, strikeStep: 5 },
  { conId: 320227571, symbol: 'QQQ', price: 480, walkVolatility: 0.19, impliedVol: 0.2, strikeStep: 5 },
  { conId: 76792991, symbol: 'TSLA', price: 250, walkVolatility: 0.55, impliedVol: 0.58, strikeStep: 10 },
];

const ES_FUTURE = { conId: 495512563, symbol: 'ES', localSymbol: 'ESZ6', price: 5900, multiplier: 50 };

/** (days to expiry, moneyness, right, quantity) for the 8 option positions on each equity underlying. */
const OPTION_LADDER: Array<[number, number, 'C' | 'P', number]> = [
  [9, 1.0, 'C', 5],
  [9, 0.95, 'P', -3],
  [37, 1.05, 'C', -4],
  [37, 0.9, 'P', 10],
  [72, 1.0, 'P', 2],
  [72, 1.1, 'C', 7],
  [163, 0.95, 'C', 1],
  [163, 1.05, 'P', -2],
];

const RATE = 0.04;

/** OCC-style local symbol: root padded to 6, YYMMDD, right, strike x 1000 on 8 digits. */
export function occLocalSymbol(symbol: string, expiry: string, right: 'C' | 'P', strike: number): string {
  return `${symbol.padEnd(6, ' ')}${expiry.slice(2)}${right}${String(Math.round(strike * 1000)).padStart(8, '0')}`;
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

function avgCostFor(spec: UnderlyingSpec, strike: number, days: number, right: 'C' | 'P', multiplier: number): number {
  const valuation = valueOption({
    right,
    underlyingPrice: spec.price,
    strike,
    years: days / 365,
    volatility: spec.impliedVol,
    rate: RATE,
    onFuture: false,
  });
  return Math.round(valuation.price * multiplier * 0.97 * 100) / 100;
}

/**
 * The default portfolio document: 40 equity options on AAPL, MSFT, SPY, QQQ and TSLA (8 each, calls and puts, long
 * and short), a few stocks, an ES future with one ES futures option (multiplier 50), two accounts, and one
 * quantity-0 row. Expiries are relative to `now` so the portfolio never expires.
 */
export function defaultPortfolioFile(now: number): PortfolioFile {
  const contracts: PortfolioFile['contracts'] = [];
  const positions: PortfolioFile['positions'] = [];
  let nextOptionConId = 700001;

  for (const spec of EQUITY_UNDERLYINGS) {
    const stock: UnderlyingContractInput = {
      conId: spec.conId,
      symbol: spec.symbol,
      localSymbol: spec.symbol,
      secType: 'STK',
      exchange: 'SMART',
      primaryExchange: spec.symbol === 'SPY' ? 'ARCA' : 'NASDAQ',
      currency: 'USD',
      startPrice: spec.price,
      walkVolatility: spec.walkVolatility,
      impliedVol: spec.impliedVol,
    };
    contracts.push(stock);
    OPTION_LADDER.forEach(([days, moneyness, right, quantity], index) => {
      const expiry = formatYmd(now + days * MS_PER_DAY);
      const strike = roundTo(spec.price * moneyness, spec.strikeStep);
      const conId = nextOptionConId++;
      contracts.push({
        conId,
        symbol: spec.symbol,
        localSymbol: occLocalSymbol(spec.symbol, expiry, right, strike),
        secType: 'OPT',
        right,
        strike,
        expiry,
        multiplier: 100,
        currency: 'USD',
        exchange: 'SMART',
        underConId: spec.conId,
      });
      // The last option of each ladder lives in the small account.
      positions.push({
        account: index === OPTION_LADDER.length - 1 ? SMALL_ACCOUNT : MAIN_ACCOUNT,
        conId,
        quantity,
        avgCost: avgCostFor(spec, strike, days, right, 100),
      });
    });
  }

  // One more AAPL option, closed today: the quantity-0 row IBKR keeps showing.
  const closedExpiry = formatYmd(now + 16 * MS_PER_DAY);
  contracts.push({
    conId: nextOptionConId++,
    symbol: 'AAPL',
    localSymbol: occLocalSymbol('AAPL', closedExpiry, 'C', 210),
    secType: 'OPT',
    right: 'C',
    strike: 210,
    expiry: closedExpiry,
    multiplier: 100,
    currency: 'USD',
    exchange: 'SMART',
    underConId: 265598,
  });
  positions.push({ account: MAIN_ACCOUNT, conId: nextOptionConId - 1, quantity: 0, avgCost: 0 });

  positions.push({ account: MAIN_ACCOUNT, conId: 265598, quantity: 100, avgCost: 182.5 });
  positions.push({ account: MAIN_ACCOUNT, conId: 756733, quantity: 50, avgCost: 541.2 });
  positions.push({ account: SMALL_ACCOUNT, conId: 272093, quantity: -20, avgCost: 431.05 });

  const futureExpiry = formatYmd(now + 100 * MS_PER_DAY);
  contracts.push({
    conId: ES_FUTURE.conId,
    symbol: ES_FUTURE.symbol,
    localSymbol: ES_FUTURE.localSymbol,
    secType: 'FUT',
    exchange: 'CME',
    currency: 'USD',
    expiry: futureExpiry,
    multiplier: ES_FUTURE.multiplier,
    startPrice: ES_FUTURE.price,
    walkVolatility: 0.16,
    impliedVol: 0.17,
  });
  const fopExpiry = formatYmd(now + 65 * MS_PER_DAY);
  const fopConId = 800001;
  contracts.push({
    conId: fopConId,
    symbol: 'ES',
    localSymbol: `ESZ6 C6000`,
    secType: 'FOP',
    right: 'C',
    strike: 6000,
    expiry: fopExpiry,
    multiplier: ES_FUTURE.multiplier,
    currency: 'USD',
    exchange: 'CME',
    tradingClass: 'ES',
    underConId: ES_FUTURE.conId,
  });
  positions.push({ account: MAIN_ACCOUNT, conId: fopConId, quantity: 2, avgCost: 6250 });
  positions.push({ account: MAIN_ACCOUNT, conId: ES_FUTURE.conId, quantity: -1, avgCost: 5880 * 50 });

  return {
    accounts: [
      { id: MAIN_ACCOUNT, baseCurrency: 'USD', cash: 250_000 },
      { id: SMALL_ACCOUNT, baseCurrency: 'USD', cash: 25_000 },
    ],
    contracts,
    positions,
  };
}

export function defaultPortfolio(now: number): Portfolio {
  return parsePortfolio(defaultPortfolioFile(now), now);
}
