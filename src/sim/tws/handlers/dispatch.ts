import { count, SimContext } from '../context';
import { Request } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { ClientSession } from '../session';
import {
  onCancelAccountSummary,
  onCancelPositions,
  onReqAccountSummary,
  onReqAccountUpdates,
  onReqAccountUpdatesMulti,
  onReqPnL,
  onReqPnLSingle,
  onReqPositions,
  onReqPositionsMulti,
} from './account';
import { onReqHistoricalData } from './historicalData';
import { onReqCompletedOrders, onReqExecutions, onReqOpenOrders } from './orders';
import { onStartApi } from './handshake';
import { onCancelMktData, onReqMarketDataType, onReqMktData } from './marketData';
import { onReqContractDetails, onReqCurrentTime, onReqIds, onReqManagedAccts } from './misc';

/** Routes one decoded client request, after the pacing monitor has let it through. */
export function dispatch(ctx: SimContext, session: ClientSession, request: Request): void {
  count(ctx, request.name);
  if (request.name === 'startApi') return onStartApi(ctx, session, request.clientId);
  if (session.phase !== 'ready') {
    ctx.log('info', `${session.label}: ${request.name} before startApi ignored`);
    return;
  }
  switch (request.name) {
    case 'reqMktData':
      return onReqMktData(ctx, session, request);
    case 'cancelMktData':
      return onCancelMktData(ctx, session, request.reqId);
    case 'reqMarketDataType':
      return onReqMarketDataType(ctx, session, request.type);
    case 'reqPositions':
      return onReqPositions(ctx, session);
    case 'cancelPositions':
      return onCancelPositions(ctx, session);
    case 'reqAccountUpdates':
      return onReqAccountUpdates(ctx, session, request.subscribe, request.account);
    case 'reqAccountSummary':
      return onReqAccountSummary(ctx, session, request.reqId, request.tags);
    case 'cancelAccountSummary':
      return onCancelAccountSummary(ctx, session, request.reqId);
    case 'reqPnL':
      return onReqPnL(ctx, session, request.reqId, request.account);
    case 'cancelPnL':
      session.pnl.delete(request.reqId);
      return;
    case 'reqPnLSingle':
      return onReqPnLSingle(ctx, session, request.reqId, request.account, request.conId);
    case 'cancelPnLSingle':
      session.pnlSingle.delete(request.reqId);
      return;
    case 'reqCurrentTime':
      return onReqCurrentTime(ctx, session);
    case 'reqIds':
      return onReqIds(ctx, session);
    case 'reqManagedAccts':
      return onReqManagedAccts(ctx, session);
    case 'reqContractDetails':
      return onReqContractDetails(ctx, session, request.reqId, request.contract);
    case 'reqOpenOrders':
    case 'reqAllOpenOrders':
      return onReqOpenOrders(ctx, session);
    case 'reqAutoOpenOrders':
      // Only client id 0 may bind TWS orders; with no orders there is nothing to send either way.
      return;
    case 'reqExecutions':
      return onReqExecutions(ctx, session, request.reqId);
    case 'reqCompletedOrders':
      return onReqCompletedOrders(ctx, session);
    case 'reqPositionsMulti':
      return onReqPositionsMulti(ctx, session, request.reqId, request.account, request.modelCode);
    case 'cancelPositionsMulti':
    case 'cancelAccountUpdatesMulti':
    case 'cancelHistoricalData':
      return;
    case 'reqAccountUpdatesMulti':
      return onReqAccountUpdatesMulti(ctx, session, request.reqId, request.account, request.modelCode);
    case 'reqHistoricalData':
      return onReqHistoricalData(ctx, session, request.reqId, request.query);
    case 'unsupported':
      ctx.log('info', `${session.label}: unsupported message id ${request.id} ignored`);
      session.send(replies.error(-1, 321, `Error validating request: message id ${request.id} is not simulated`));
      return;
  }
}
