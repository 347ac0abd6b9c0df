import type { ExchangeRates } from '../broker/types';

/**
 * Converting money figures (vega, theta, dollar delta, dollar gamma) into the account's base currency with IBKR's
 * own exchange rates. Share-equivalent delta and gamma are counts of the underlying and need no conversion.
 */

/** What the money figures of a row are expressed in, decided once per snapshot. */
export type MoneyCurrency =
  /** Converted into `base` with the given rates (base itself is 1). */
  | { kind: 'base'; base: string; rates: Readonly<Record<string, number>> }
  /** The broker has not said (yet) which currency is the base: no money figure can be expressed. */
  | { kind: 'unknown_base' }
  /** The adapter reports no exchange rates at all: every figure stays in its position's own currency. */
  | { kind: 'unconverted' };

function isUsableRate(rate: unknown): rate is number {
  return typeof rate === 'number' && Number.isFinite(rate) && rate > 0;
}

export function moneyCurrencyOf(exchangeRates: ExchangeRates | undefined): MoneyCurrency {
  if (!exchangeRates) return { kind: 'unconverted' };
  if (!exchangeRates.baseCurrency) return { kind: 'unknown_base' };
  const base = exchangeRates.baseCurrency.toUpperCase();
  const rates: Record<string, number> = {};
  for (const [currency, rate] of Object.entries(exchangeRates.rates)) {
    if (isUsableRate(rate)) rates[currency.toUpperCase()] = rate;
  }
  rates[base] = 1;
  return { kind: 'base', base, rates };
}

/** Units of the base currency per unit of `currency`; null when IBKR has given no usable rate for it. */
export function rateToBase(currency: string, money: MoneyCurrency): number | null {
  if (money.kind === 'unconverted') return 1;
  if (money.kind === 'unknown_base') return null;
  return money.rates[currency.toUpperCase()] ?? null;
}

/** The `units.currency` text of a row: which currency the money figures are in, and the rates used. */
export function currencyUnitsText(money: MoneyCurrency, usedCurrencies: Iterable<string>): string {
  if (money.kind === 'unconverted') {
    return "each position's own currency: the broker reported no exchange rates, so nothing was converted";
  }
  if (money.kind === 'unknown_base') {
    return "unknown: IBKR has not yet reported the account's base currency and exchange rates; positions with money figures are excluded as no_exchange_rate";
  }
  const foreign = [...new Set([...usedCurrencies].map((c) => c.toUpperCase()))]
    .filter((currency) => currency !== money.base && money.rates[currency] !== undefined)
    .sort();
  const rates = foreign.map((currency) => `1 ${currency} = ${money.rates[currency]} ${money.base}`);
  return (
    `${money.base}, the account's base currency: vega, theta, dollarDelta, dollarGamma and P&L are in ${money.base}` +
    (rates.length > 0 ? `; converted at IBKR's exchange rates ${rates.join(', ')}` : '')
  );
}

/** The `units.pnl` text: the account P&L is IBKR's own figure, which it reports in the base currency. */
export function pnlUnitsText(money: MoneyCurrency): string {
  const currency = money.kind === 'base' ? money.base : "the account's base currency";
  return `account P&L as IBKR reports it (reqPnL / Client Portal), in ${currency}`;
}
