import { Account, PositionRow } from '../../model';
import { AccountFigures, accountFigures } from '../accountFigures';
import { accountIds, managedAccountIds, SimContext } from '../context';
import { Frame, replies } from '../protocol/replies';
import { ClientSession } from '../session';

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

function accountValueFrames(ctx: SimContext, account: string): Frame[] {
  return accountValues(ctx, account).map((row) =>
    replies.updateAccountValue(row.key, row.value, row.currency, account),
  );
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

export function onReqPositions(ctx: SimContext, session: ClientSession): void {
  session.positionsSubscribed = true;
  const managed = new Set(managedAccountIds(ctx));
  const rows = ctx.model.positions().filter((row) => managed.has(row.account));
  session.sendAll(rows.map((row) => positionFrame(ctx, row)));
  const delayMs = ctx.settings.positionEndDelayMs;
  if (delayMs <= 0) session.send(replies.positionEnd());
  else
    setTimeout(() => {
      if (session.phase === 'ready') session.send(replies.positionEnd());
    }, delayMs).unref();
}

export function onCancelPositions(_ctx: SimContext, session: ClientSession): void {
  session.positionsSubscribed = false;
}

export function onReqAccountUpdates(
  ctx: SimContext,
  session: ClientSession,
  subscribe: boolean,
  requested: string,
): void {
  if (!subscribe) {
    session.accountUpdates = undefined;
    return;
  }
  const account = requested || accountIds(ctx)[0];
  if (!accountIds(ctx).includes(account)) {
    session.send(replies.error(-1, 321, `Error validating request: unknown account ${account}`));
    return;
  }
  if (session.accountUpdates && session.accountUpdates !== account) {
    session.send(replies.error(-1, 2100, 'API client has been unsubscribed from account data.'));
  }
  session.accountUpdates = account;
  session.sendAll([
    ...accountValueFrames(ctx, account),
    ...ctx.model.positions(account).map((row) => portfolioFrame(ctx, row)),
    replies.updateAccountTime(hhmm(ctx.model.now())),
    replies.accountDownloadEnd(account),
  ]);
}

/** Pushes one changed position to every session that listens for it. */
export function pushPositionChange(ctx: SimContext, row: PositionRow): void {
  for (const session of ctx.sessions) {
    if (session.phase !== 'ready') continue;
    if (session.positionsSubscribed && managedAccountIds(ctx).includes(row.account)) {
      session.send(positionFrame(ctx, row));
    }
    if (session.accountUpdates === row.account) {
      session.sendAll([portfolioFrame(ctx, row), replies.updateAccountTime(hhmm(ctx.model.now()))]);
    }
  }
}

export function onReqAccountSummary(ctx: SimContext, session: ClientSession, reqId: number, tags: string[]): void {
  if (session.accountSummaries.has(reqId)) {
    session.send(replies.error(reqId, 322));
    return;
  }
  session.accountSummaries.set(reqId, tags);
  const frames: Frame[] = [];
  for (const account of accountIds(ctx)) {
    for (const tag of tags) {
      for (const row of summaryValues(ctx, account, tag)) {
        frames.push(replies.accountSummary(reqId, account, row.key, row.value, row.currency));
      }
    }
  }
  frames.push(replies.accountSummaryEnd(reqId));
  session.sendAll(frames);
}

export function onCancelAccountSummary(_ctx: SimContext, session: ClientSession, reqId: number): void {
  session.accountSummaries.delete(reqId);
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

export function onReqPnL(ctx: SimContext, session: ClientSession, reqId: number, account: string): void {
  if (!accountIds(ctx).includes(account)) {
    session.send(replies.error(reqId, 321, `Error validating request: unknown account ${account}`));
    return;
  }
  session.pnl.set(reqId, account);
  session.send(pnlFrame(ctx, reqId, account));
}

export function onReqPnLSingle(
  ctx: SimContext,
  session: ClientSession,
  reqId: number,
  account: string,
  conId: number,
): void {
  if (!accountIds(ctx).includes(account)) {
    session.send(replies.error(reqId, 321, `Error validating request: unknown account ${account}`));
    return;
  }
  if (!ctx.model.contract(conId)) {
    session.send(replies.error(reqId, 200));
    return;
  }
  session.pnlSingle.set(reqId, { account, conId });
  session.send(pnlSingleFrame(ctx, reqId, account, conId));
}

/** reqPositionsMulti / reqAccountUpdatesMulti name one account, or all of them with "" or "All". */
function accountsFor(ctx: SimContext, requested: string): string[] | undefined {
  if (requested === '' || requested.toLowerCase() === 'all') return accountIds(ctx);
  return accountIds(ctx).includes(requested) ? [requested] : undefined;
}

export function onReqPositionsMulti(
  ctx: SimContext,
  session: ClientSession,
  reqId: number,
  account: string,
  modelCode: string,
): void {
  const accounts = accountsFor(ctx, account);
  if (!accounts) {
    session.send(replies.error(reqId, 321, `Error validating request: unknown account ${account}`));
    return;
  }
  const rows = ctx.model.positions().filter((row) => accounts.includes(row.account));
  session.sendAll([
    ...rows.map((row) =>
      replies.positionMulti(reqId, row.account, modelCode, ctx.model.contract(row.conId)!, row.quantity, row.avgCost),
    ),
    replies.positionMultiEnd(reqId),
  ]);
}

export function onReqAccountUpdatesMulti(
  ctx: SimContext,
  session: ClientSession,
  reqId: number,
  account: string,
  modelCode: string,
): void {
  const accounts = accountsFor(ctx, account);
  if (!accounts) {
    session.send(replies.error(reqId, 321, `Error validating request: unknown account ${account}`));
    return;
  }
  const frames: Frame[] = [];
  for (const id of accounts) {
    for (const row of accountValues(ctx, id)) {
      frames.push(replies.accountUpdateMulti(reqId, id, modelCode, row.key, row.value, row.currency));
    }
  }
  frames.push(replies.accountUpdateMultiEnd(reqId));
  session.sendAll(frames);
}
