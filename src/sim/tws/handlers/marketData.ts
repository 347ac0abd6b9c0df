import { Contract, isOption } from '../../model';
import { count, SimContext } from '../context';
import { MarketDataTypeCode } from '../protocol/messageIds';
import { ContractQuery } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { statusText } from '../protocol/statusCodes';
import { ClientConnection } from '../clientConnection';
import { tickRound } from '../tickRound';

/** Finds a contract by conId, else by local symbol, else by symbol/secType (and expiry/strike/right for options). */
export function resolveContract(ctx: SimContext, query: ContractQuery): Contract | undefined {
  const contracts = ctx.model.contracts();
  if (query.conId > 0) return ctx.model.contract(query.conId);
  if (query.localSymbol) return contracts.find((contract) => contract.localSymbol === query.localSymbol);
  if (!query.symbol || !query.secType) return undefined;
  const matches = contracts.filter((contract) => {
    if (contract.symbol !== query.symbol || contract.secType !== query.secType) return false;
    if (!isOption(contract)) return true;
    return contract.expiry === query.expiry && contract.strike === query.strike && contract.right === query.right[0];
  });
  // IBKR answers 200 for ambiguous contracts too.
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Futures and futures options trade on one exchange and have no SMART routing: IBKR validates the exchange of a
 * market-data request for them even when the conId alone identifies the contract. Missing → 321, wrong → 200.
 */
export function listingExchangeProblem(
  contract: Contract,
  exchange: string,
): { code: number; message: string } | undefined {
  if (contract.secType !== 'FUT' && contract.secType !== 'FOP') return undefined;
  if (exchange.trim() === '') {
    return { code: 321, message: "Error validating request.-'bW' : cause - Missing exchange" };
  }
  if (exchange.toUpperCase() !== contract.exchange.toUpperCase()) return { code: 200, message: statusText(200) };
  return undefined;
}

/**
 * The contract a request names, when it can be served: otherwise the error a gateway answers (200 unknown, 321 or 200
 * for a futures contract's exchange) is sent on the request's id and undefined returned.
 */
export function servableContract(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  query: ContractQuery & { exchange: string },
): Contract | undefined {
  const contract = resolveContract(ctx, query);
  if (!contract) {
    connection.send(replies.error(reqId, 200));
    return undefined;
  }
  const exchangeProblem = listingExchangeProblem(contract, query.exchange);
  if (exchangeProblem) {
    connection.send(replies.error(reqId, exchangeProblem.code, exchangeProblem.message));
    return undefined;
  }
  return contract;
}

type Negotiated = { servedType: number; streaming: boolean; warning?: number } | { error: number };

/**
 * reqMarketDataType is a fallback permission, not a mode: entitled accounts get live data whatever they ask, and
 * frozen only applies outside market hours (one round of last values instead of a stream).
 */
export function negotiateMarketDataType(requested: number, liveEntitled: boolean, marketOpen: boolean): Negotiated {
  const { live, frozen, delayed, delayedFrozen } = MarketDataTypeCode;
  const wantsDelayed = requested === delayed || requested === delayedFrozen;
  const wantsFrozen = requested === frozen || requested === delayedFrozen;
  if (liveEntitled) {
    if (wantsFrozen && !marketOpen) return { servedType: frozen, streaming: false };
    return { servedType: live, streaming: true };
  }
  if (!wantsDelayed) return { error: 354 };
  if (wantsFrozen && !marketOpen) return { servedType: delayedFrozen, streaming: false, warning: 10167 };
  return { servedType: delayed, streaming: true, warning: 10167 };
}

export function streamingLineCount(ctx: SimContext): number {
  let lines = 0;
  for (const connection of ctx.connections) {
    for (const sub of connection.marketData.values()) if (!sub.snapshot) lines += 1;
  }
  return lines;
}

export function onReqMarketDataType(ctx: SimContext, connection: ClientConnection, type: number): void {
  if (type < 1 || type > 4) {
    connection.send(replies.error(-1, 321, `Error validating request: invalid market data type ${type}`));
    return;
  }
  connection.requestedMarketDataType = type;
}

export function onReqMktData(
  ctx: SimContext,
  connection: ClientConnection,
  request: { reqId: number; contract: ContractQuery; genericTicks: string; snapshot: boolean },
): void {
  const { reqId } = request;
  if (connection.marketData.has(reqId)) {
    count(ctx, 'error322');
    connection.send(replies.error(reqId, 322));
    return;
  }
  const contract = servableContract(ctx, connection, reqId, request.contract);
  if (!contract) return;
  if (request.snapshot && request.genericTicks.trim() !== '') {
    connection.send(replies.error(reqId, 321));
    return;
  }
  if (contract.entitlement === 'notSubscribed') {
    connection.send(replies.error(reqId, 354));
    return;
  }
  if (!request.snapshot && streamingLineCount(ctx) >= ctx.settings.lineLimit) {
    count(ctx, 'error101');
    connection.send(replies.error(reqId, 101, `${statusText(101)}.`));
    return;
  }
  const negotiated = negotiateMarketDataType(
    connection.requestedMarketDataType,
    ctx.settings.liveEntitled,
    ctx.settings.marketOpen,
  );
  if ('error' in negotiated) {
    connection.send(replies.error(reqId, negotiated.error));
    return;
  }
  const subscription = {
    reqId,
    contract,
    snapshot: request.snapshot,
    startedAt: ctx.model.now(),
    servedType: negotiated.servedType,
    streaming: negotiated.streaming && !request.snapshot,
    greeksAllowed: contract.entitlement !== 'noUnderlyingPermission',
    genericTicks: new Set(
      request.genericTicks
        .split(',')
        .map((id) => Number(id.trim()))
        .filter((id) => Number.isInteger(id) && id > 0),
    ),
  };
  if (negotiated.warning) connection.send(replies.error(reqId, negotiated.warning));
  if (!subscription.greeksAllowed) connection.send(replies.error(reqId, 10090));
  connection.send(replies.marketDataType(reqId, negotiated.servedType));
  connection.send(
    replies.tickReqParams(
      reqId,
      contract.secType === 'FUT' || contract.secType === 'FOP' ? '0.25' : '0.01',
      '9c0001',
      3,
    ),
  );
  // The outage (1100) holds back data, but the subscription is still registered as TWS does.
  if (!request.snapshot) connection.marketData.set(reqId, subscription);
  if (ctx.outage) {
    if (request.snapshot) connection.send(replies.tickSnapshotEnd(reqId));
    return;
  }
  const round = tickRound(ctx, connection, subscription, ctx.model.now(), true);
  connection.sendAll(round.quotes);
  // The model computation follows in its own write, as TWS sends it after the quotes.
  const rest = request.snapshot ? [...round.model, replies.tickSnapshotEnd(reqId)] : round.model;
  setImmediate(() => connection.sendAll(rest));
}

export function onCancelMktData(ctx: SimContext, connection: ClientConnection, reqId: number): void {
  if (!connection.marketData.delete(reqId)) connection.send(replies.error(reqId, 300, `${statusText(300)}${reqId}`));
}
