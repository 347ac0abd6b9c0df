import { valueOption } from './blackScholes';
import { MAIN_ACCOUNT } from './defaultPortfolio';
import { parsePortfolio } from './loadPortfolio';
import type { Portfolio, PortfolioFile } from './portfolioSchema';
import { formatYmd, MS_PER_DAY } from './time';

/** IBKR's rates of the two foreign currencies to the USD base currency of the multi-currency portfolio. */
export const MULTI_CURRENCY_RATES: Readonly<Record<string, number>> = Object.freeze({ EUR: 1.08, JPY: 0.0066 });

export const MULTI_CURRENCY_CONIDS = Object.freeze({
  aaplStock: 265598,
  aaplCall: 910001,
  /** Held by nobody: the beta benchmark the bridge must stream on its own line. */
  spyStock: 756733,
  sapStock: 14204,
  sapEurexCall: 910101,
  nikkeiMiniFuture: 910201,
});

export interface MultiCurrencyOptions {
  /** The exchange rates the gateway reports; leave a currency out to reproduce a gateway without its rate. */
  exchangeRates?: Record<string, number>;
}

/**
 * An opt-in portfolio (the default one stays all USD) with positions in three currencies on one USD-based account:
 * USD (AAPL shares and an AAPL call), EUR (SAP shares' Eurex call, multiplier 100) and JPY (one short Nikkei 225 mini
 * future on OSE, multiplier 100). SPY is a known contract that the account does not hold.
 */
export function multiCurrencyPortfolioFile(now: number, options: MultiCurrencyOptions = {}): PortfolioFile {
  const ids = MULTI_CURRENCY_CONIDS;
  const expiry = formatYmd(now + 45 * MS_PER_DAY);
  const callCost = (price: number, strike: number, volatility: number) =>
    Math.round(
      valueOption({
        right: 'C',
        underlyingPrice: price,
        strike,
        years: 45 / 365,
        volatility,
        rate: 0.04,
        onFuture: false,
      }).price * 100,
    );
  return {
    accounts: [
      {
        id: MAIN_ACCOUNT,
        baseCurrency: 'USD',
        cash: 250_000,
        exchangeRates: { ...(options.exchangeRates ?? MULTI_CURRENCY_RATES) },
      },
    ],
    contracts: [
      {
        conId: ids.aaplStock,
        symbol: 'AAPL',
        localSymbol: 'AAPL',
        secType: 'STK',
        primaryExchange: 'NASDAQ',
        startPrice: 190,
        walkVolatility: 0.25,
        impliedVol: 0.27,
      },
      {
        conId: ids.aaplCall,
        symbol: 'AAPL',
        localSymbol: `AAPL  ${expiry.slice(2)}C00190000`,
        secType: 'OPT',
        right: 'C',
        strike: 190,
        expiry,
        multiplier: 100,
        underConId: ids.aaplStock,
      },
      {
        conId: ids.spyStock,
        symbol: 'SPY',
        localSymbol: 'SPY',
        secType: 'STK',
        primaryExchange: 'ARCA',
        startPrice: 560,
        walkVolatility: 0.15,
        impliedVol: 0.16,
      },
      {
        conId: ids.sapStock,
        symbol: 'SAP',
        localSymbol: 'SAP',
        secType: 'STK',
        currency: 'EUR',
        exchange: 'IBIS',
        primaryExchange: 'IBIS',
        startPrice: 220,
        walkVolatility: 0.22,
        impliedVol: 0.24,
      },
      {
        conId: ids.sapEurexCall,
        symbol: 'SAP',
        localSymbol: `C SAP  ${expiry} M 220`,
        secType: 'OPT',
        right: 'C',
        strike: 220,
        expiry,
        multiplier: 100,
        currency: 'EUR',
        exchange: 'EUREX',
        tradingClass: 'SAP',
        underConId: ids.sapStock,
      },
      {
        conId: ids.nikkeiMiniFuture,
        symbol: 'N225M',
        localSymbol: 'N225MZ6',
        secType: 'FUT',
        currency: 'JPY',
        exchange: 'OSE.JPN',
        expiry: '+100d',
        multiplier: 100,
        startPrice: 38_000,
        walkVolatility: 0.2,
        impliedVol: 0.21,
      },
    ],
    positions: [
      { account: MAIN_ACCOUNT, conId: ids.aaplStock, quantity: 100, avgCost: 182.5 },
      { account: MAIN_ACCOUNT, conId: ids.aaplCall, quantity: 3, avgCost: callCost(190, 190, 0.27) },
      { account: MAIN_ACCOUNT, conId: ids.sapEurexCall, quantity: 4, avgCost: callCost(220, 220, 0.24) },
      { account: MAIN_ACCOUNT, conId: ids.nikkeiMiniFuture, quantity: -1, avgCost: 37_800 * 100 },
    ],
  };
}

export function multiCurrencyPortfolio(now: number, options: MultiCurrencyOptions = {}): Portfolio {
  return parsePortfolio(multiCurrencyPortfolioFile(now, options), now);
}
