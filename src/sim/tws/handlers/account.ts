import { Account, PositionRow } from '../../model';
import { AccountFigures, accountFigures } from '../accountFigures';
import { accountIds, managedAccountIds, SimContext } from '../context';
import { Frame, replies } from '../protocol/replies';
import { ClientConnection } from '../clientConnection';

export function positionFrame(ctx: SimContext, row: PositionRow): Frame {
  const contract = ctx.model.contract(row.conId)!;
  const sent = ctx.settings.emptyMultiplierConIds.includes(row.conId) ? { ...contract, multiplier: 0 } : contract;
  return replies.position(row.account, sent, row.quantity, row.avgCost);
}

export function portfolioFrame(ctx: SimContext, row: PositionRow): Frame {
  const valuation = ctx.model.positionValuation(row);
  return replies.updatePortfolio(
    ctx.model.contract(row.conId)!,
    {
      position: row.quantity,
      marketPrice: valuation.marketPrice,
      marketValue: valuation.marketValue,
      averageCost: row.avgCost,
      unrealizedPnl: valuation.unrealizedPnl,
      realizedPnl: valuation.realizedPnl,
    },
    row.account,
  );
}

function hhmm(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 16);
}

/** Tags reported in the account's base currency (also per currency, and as BASE, for the cash-like ones). */
const MONEY_TAGS: Array<[string, keyof AccountFigures]> = [
  ['NetLiquidation', 'netLiquidation'],
  ['TotalCashValue', 'cash'],
  ['GrossPositionValue', 'grossPositionValue'],
  ['EquityWithLoanValue', 'equityWithLoanValue'],
  ['InitMarginReq', 'initMarginReq'],
  ['MaintMarginReq', 'maintMarginReq'],
  ['FullInitMarginReq', 'initMarginReq'],
  ['FullMaintMarginReq', 'maintMarginReq'],
  ['AvailableFunds', 'availableFunds'],
  ['FullAvailableFunds', 'availableFunds'],
  ['ExcessLiquidity', 'excessLiquidity'],
  ['FullExcessLiquidity', 'excessLiquidity'],
  ['BuyingPower', 'buyingPower'],
];

/** Per-currency tags: IBKR sends them for each currency held and again summed as BASE. */
const CURRENCY_TAGS: Array<[string, keyof AccountFigures]> = [
  ['CashBalance', 'cash'],
  ['TotalCashBalance', 'cash'],
  ['StockMarketValue', 'stockMarketValue'],
  ['OptionMarketValue', 'optionMarketValue'],
  ['FutureOptionValue', 'futureOptionValue'],
  ['FuturesPNL', 'futuresPnl'],
  ['NetLiquidationByCurrency', 'netLiquidation'],
  ['UnrealizedPnL', 'unrealizedPnl'],
  ['RealizedPnL', 'realizedPnl'],
];

export interface AccountValueRow {
  key: string;
  value: string;
  currency: string;
}

/**
 * The key/value/currency rows a real account reports in account updates (and account updates multi): margin and
 * liquidity figures consistent with the positions (accountFigures.ts), per-currency balances and exchange rates.
 */
export function accountValues(ctx: SimContext, account: string): AccountValueRow[] {
  const settings = ctx.model.accounts().find((candidate) => candidate.id === account)!;
  const figures = accountFigures(ctx.model, account);
  const currency = settings.baseCurrency;
  const money = (value: number) => value.toFixed(2);
  return [
    { key: 'AccountCode', value: account, currency: '' },
    { key: 'AccountType', value: 'INDIVIDUAL', currency: '' },
    { key: 'Currency', value: currency, currency },
    { key: 'Currency', value: 'BASE', currency: 'BASE' },
    { key: 'Cushion', value: figures.cushion.toFixed(6), currency: '' },
    ...MONEY_TAGS.map(([key, field]) => ({ key, value: money(figures[field]), currency })),
    // The simulated account's balances are all in its base currency, so its rows and the BASE sum are the same.
    ...[currency, 'BASE'].flatMap((rowCurrency) =>
      CURRENCY_TAGS.map(([key, field]) => ({ key, value: money(figures[field]), currency: rowCurrency })),
    ),
    ...exchangeRateRows(settings),
  ];
}

/** "The exchange rate of the currency to your base currency": 1 for BASE and the base, the configured rate for others. */
function exchangeRateRows(settings: Account): AccountValueRow[] {
  const rates: Array<[string, number]> = [
    ['BASE', 1],
    [settings.baseCurrency, 1],
    ...Object.entries(settings.exchangeRates).filter(([currency]) => currency !== settings.baseCurrency),
  ];
  return rates.map(([currency, rate]) => ({
    key: 'ExchangeRate',
    value: rate === 1 ? '1.00' : String(rate),
    currency,
  }));
}

/** One frame per value row of each account, accounts in the order given: the body of every account-value reply. */
function accountRowFrames(
  accounts: readonly string[],
  rowsOf: (account: string) => AccountValueRow[],
  frameOf: (account: string, row: AccountValueRow) => Frame,
): Frame[] {
  return accounts.flatMap((account) => rowsOf(account).map((row) => frameOf(account, row)));
}

function unknownAccount(reqId: number, account: string): Frame {
  return replies.error(reqId, 321, `Error validating request: unknown account ${account}`);
}

/**
 * Summary tags the simulator can answer: the account-updates values in the base currency (the $LEDGER tags
 * answer per currency, as IBKR does).
 */
function summaryValues(ctx: SimContext, account: string, tag: string): AccountValueRow[] {
  const rows = accountValues(ctx, account);
  const base = ctx.model.accounts().find((candidate) => candidate.id === account)!.baseCurrency;
  if (tag === '$LEDGER' || tag === '$LEDGER:ALL')
    return rows.filter((row) => row.currency === base && CURRENCY_TAGS.some(([key]) => key === row.key));
  if (tag === 'Currency') return [{ key: 'Currency', value: base, currency: base }];
  return rows.filter((row) => row.key === tag && row.currency !== 'BASE').slice(0, 1);
}

export function onReqPositions(ctx: SimContext, connection: ClientConnection): void {
  connection.positionsSubscribed = true;
  const managed = new Set(managedAccountIds(ctx));
  const rows = ctx.model.positions().filter((row) => managed.has(row.account));
  connection.sendAll(rows.map((row) => positionFrame(ctx, row)));
  const delayMs = ctx.settings.positionEndDelayMs;
  if (delayMs <= 0) connection.send(replies.positionEnd());
  else
    setTimeout(() => {
      if (connection.phase === 'ready') connection.send(replies.positionEnd());
    }, delayMs).unref();
}

export function onCancelPositions(_ctx: SimContext, connection: ClientConnection): void {
  connection.positionsSubscribed = false;
}

export function onReqAccountUpdates(
  ctx: SimContext,
  connection: ClientConnection,
  subscribe: boolean,
  requested: string,
): void {
  if (!subscribe) {
    connection.accountUpdates = undefined;
    return;
  }
  const account = requested || accountIds(ctx)[0];
  if (!accountIds(ctx).includes(account)) {
    connection.send(unknownAccount(-1, account));
    return;
  }
  if (connection.accountUpdates && connection.accountUpdates !== account) {
    connection.send(replies.error(-1, 2100, 'API client has been unsubscribed from account data.'));
  }
  connection.accountUpdates = account;
  connection.sendAll([
    ...accountRowFrames(
      [account],
      (id) => accountValues(ctx, id),
      (id, row) => replies.updateAccountValue(row.key, row.value, row.currency, id),
    ),
    ...ctx.model.positions(account).map((row) => portfolioFrame(ctx, row)),
    replies.updateAccountTime(hhmm(ctx.model.now())),
    replies.accountDownloadEnd(account),
  ]);
}

/** Pushes one changed position to every connection that listens for it. */
export function pushPositionChange(ctx: SimContext, row: PositionRow): void {
  for (const connection of ctx.connections) {
    if (connection.phase !== 'ready') continue;
    if (connection.positionsSubscribed && managedAccountIds(ctx).includes(row.account)) {
      connection.send(positionFrame(ctx, row));
    }
    if (connection.accountUpdates === row.account) {
      connection.sendAll([portfolioFrame(ctx, row), replies.updateAccountTime(hhmm(ctx.model.now()))]);
    }
  }
}

export function onReqAccountSummary(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  tags: string[],
): void {
  if (connection.accountSummaries.has(reqId)) {
    connection.send(replies.error(reqId, 322));
    return;
  }
  connection.accountSummaries.set(reqId, tags);
  connection.sendAll([
    ...accountRowFrames(
      accountIds(ctx),
      (account) => tags.flatMap((tag) => summaryValues(ctx, account, tag)),
      (account, row) => replies.accountSummary(reqId, account, row.key, row.value, row.currency),
    ),
    replies.accountSummaryEnd(reqId),
  ]);
}

export function onCancelAccountSummary(_ctx: SimContext, connection: ClientConnection, reqId: number): void {
  connection.accountSummaries.delete(reqId);
}

export function pnlFrame(ctx: SimContext, reqId: number, account: string): Frame {
  const valuation = ctx.model.accountValuation(account);
  return replies.pnl(reqId, valuation.dailyPnl, valuation.unrealizedPnl, valuation.realizedPnl);
}

export function pnlSingleFrame(ctx: SimContext, reqId: number, account: string, conId: number): Frame {
  const row = ctx.model.position(account, conId);
  if (!row) return replies.pnlSingle(reqId, 0, undefined, undefined, undefined, undefined);
  const valuation = ctx.model.positionValuation(row);
  return replies.pnlSingle(
    reqId,
    row.quantity,
    valuation.dailyPnl,
    valuation.unrealizedPnl,
    valuation.realizedPnl,
    valuation.marketValue,
  );
}

export function onReqPnL(ctx: SimContext, connection: ClientConnection, reqId: number, account: string): void {
  if (!accountIds(ctx).includes(account)) {
    connection.send(unknownAccount(reqId, account));
    return;
  }
  connection.pnl.set(reqId, account);
  connection.send(pnlFrame(ctx, reqId, account));
}

export function onReqPnLSingle(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  account: string,
  conId: number,
): void {
  if (!accountIds(ctx).includes(account)) {
    connection.send(unknownAccount(reqId, account));
    return;
  }
  if (!ctx.model.contract(conId)) {
    connection.send(replies.error(reqId, 200));
    return;
  }
  connection.pnlSingle.set(reqId, { account, conId });
  connection.send(pnlSingleFrame(ctx, reqId, account, conId));
}

/**
 * reqPositionsMulti / reqAccountUpdatesMulti name one account, or all of them with "" or "All"; an unknown one is
 * answered with 321 and gives undefined.
 */
function accountsFor(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  requested: string,
): string[] | undefined {
  if (requested === '' || requested.toLowerCase() === 'all') return accountIds(ctx);
  if (accountIds(ctx).includes(requested)) return [requested];
  connection.send(unknownAccount(reqId, requested));
  return undefined;
}

export function onReqPositionsMulti(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  account: string,
  modelCode: string,
): void {
  const accounts = accountsFor(ctx, connection, reqId, account);
  if (!accounts) return;
  const rows = ctx.model.positions().filter((row) => accounts.includes(row.account));
  connection.sendAll([
    ...rows.map((row) =>
      replies.positionMulti(reqId, row.account, modelCode, ctx.model.contract(row.conId)!, row.quantity, row.avgCost),
    ),
    replies.positionMultiEnd(reqId),
  ]);
}

export function onReqAccountUpdatesMulti(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  account: string,
  modelCode: string,
): void {
  const accounts = accountsFor(ctx, connection, reqId, account);
  if (!accounts) return;
  connection.sendAll([
    ...accountRowFrames(
      accounts,
      (id) => accountValues(ctx, id),
      (id, row) => replies.accountUpdateMulti(reqId, id, modelCode, row.key, row.value, row.currency),
    ),
    replies.accountUpdateMultiEnd(reqId),
  ]);
}
