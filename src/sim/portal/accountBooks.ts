import type { Account, MarketModel } from '../model';

/**
 * The fake Client Portal's /portfolio/{accountId}/ledger and /trsrv/stocks answers, shaped like IBKR's: the ledger has
 * one entry per currency plus BASE, each with `exchangerate` to the base currency (a currency without a configured
 * rate has no entry, as a gateway without that rate would show); /trsrv/stocks lists the stock contracts of a symbol.
 */
export function ledgerBody(model: MarketModel, account: Account, t: number): Record<string, Record<string, unknown>> {
  const valuation = model.accountValuation(account.id, t);
  const entry = (currency: string, rate: number, values: { cash: number; netLiquidation: number; upl: number }) => ({
    acctcode: account.id,
    key: 'LedgerList',
    currency,
    secondkey: currency,
    exchangerate: rate,
    cashbalance: values.cash,
    settledcash: values.cash,
    netliquidationvalue: values.netLiquidation,
    unrealizedpnl: values.upl,
    realizedpnl: 0,
    timestamp: Math.floor(t / 1000),
    severity: 0,
    endofbundle: 1,
  });
  const inBase = { cash: account.cash, netLiquidation: valuation.netLiquidation, upl: valuation.unrealizedPnl };
  const body: Record<string, Record<string, unknown>> = {
    BASE: entry('BASE', 1, inBase),
    [account.baseCurrency]: entry(account.baseCurrency, 1, inBase),
  };
  for (const [currency, rate] of Object.entries(account.exchangeRates)) {
    if (currency === account.baseCurrency) continue;
    body[currency] = entry(currency, rate, { cash: 0, netLiquidation: 0, upl: 0 });
  }
  return body;
}

export function stocksBody(model: MarketModel, symbols: string): Record<string, unknown[]> {
  const body: Record<string, unknown[]> = {};
  for (const symbol of symbols
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean)) {
    const contracts = model.contracts().filter((c) => c.secType === 'STK' && c.symbol === symbol);
    if (contracts.length === 0) continue;
    body[symbol] = [
      {
        name: symbol,
        chineseName: null,
        assetClass: 'STK',
        contracts: contracts.map((c) => ({
          conid: c.conId,
          exchange: c.primaryExchange || c.exchange,
          isUS: c.currency === 'USD',
        })),
      },
    ];
  }
  return body;
}
