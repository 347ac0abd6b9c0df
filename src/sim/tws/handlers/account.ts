import { Account, PositionRow } from '../../model';
import { accountIds, SimContext } from '../context';
import { Frame, replies } from '../protocol/replies';
import { ClientSession } from '../session';

export function positionFrame(ctx: SimContext, row: PositionRow): Frame {
  return replies.position(row.account, ctx.model.contract(row.conId)!, row.quantity, row.avgCost);
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

function accountValueFrames(ctx: SimContext, account: string): Frame[] {
  const settings = ctx.model.accounts().find((candidate) => candidate.id === account)!;
  const valuation = ctx.model.accountValuation(account);
  const currency = settings.baseCurrency;
  const money = (value: number) => value.toFixed(2);
  return [
    replies.updateAccountValue('AccountCode', account, '', account),
    replies.updateAccountValue('AccountType', 'INDIVIDUAL', '', account),
    replies.updateAccountValue('Currency', currency, currency, account),
    replies.updateAccountValue('NetLiquidation', money(valuation.netLiquidation), currency, account),
    replies.updateAccountValue('TotalCashValue', money(valuation.cash), currency, account),
    replies.updateAccountValue('GrossPositionValue', money(valuation.grossPositionValue), currency, account),
    replies.updateAccountValue('UnrealizedPnL', money(valuation.unrealizedPnl), currency, account),
    replies.updateAccountValue('RealizedPnL', money(valuation.realizedPnl), currency, account),
    ...exchangeRateFrames(settings, account),
  ];
}

/** "The exchange rate of the currency to your base currency": 1 for BASE and the base, the configured rate for others. */
function exchangeRateFrames(settings: Account, account: string): Frame[] {
  const rates: Array<[string, number]> = [
    ['BASE', 1],
    [settings.baseCurrency, 1],
    ...Object.entries(settings.exchangeRates).filter(([currency]) => currency !== settings.baseCurrency),
  ];
  return rates.map(([currency, rate]) =>
    replies.updateAccountValue('ExchangeRate', rate === 1 ? '1.00' : String(rate), currency, account),
  );
}

/** Summary tags the simulator can answer, and how. */
function summaryValue(ctx: SimContext, account: string, tag: string): { value: string; currency: string } | undefined {
  const settings = ctx.model.accounts().find((candidate) => candidate.id === account)!;
  const valuation = ctx.model.accountValuation(account);
  const money = (value: number) => ({ value: value.toFixed(2), currency: settings.baseCurrency });
  switch (tag) {
    case 'AccountType':
      return { value: 'INDIVIDUAL', currency: '' };
    case 'NetLiquidation':
      return money(valuation.netLiquidation);
    case 'TotalCashValue':
      return money(valuation.cash);
    case 'GrossPositionValue':
      return money(valuation.grossPositionValue);
    case 'BuyingPower':
      return money(Math.max(0, valuation.netLiquidation) * 4);
    case 'AvailableFunds':
      return money(valuation.cash);
    default:
      return undefined;
  }
}

export function onReqPositions(ctx: SimContext, session: ClientSession): void {
  session.positionsSubscribed = true;
  session.sendAll([...ctx.model.positions().map((row) => positionFrame(ctx, row)), replies.positionEnd()]);
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
    if (session.positionsSubscribed) session.send(positionFrame(ctx, row));
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
      const entry = summaryValue(ctx, account, tag);
      if (entry) frames.push(replies.accountSummary(reqId, account, tag, entry.value, entry.currency));
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
