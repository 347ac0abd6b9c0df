import { count, SimContext } from '../context';
import { Request } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { ClientConnection } from '../clientConnection';
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
import { onCalculation } from './calculations';
import { onReqHistoricalData } from './historicalData';
import { onReqCompletedOrders, onReqExecutions, onReqOpenOrders } from './orders';
import { onStartApi } from './handshake';
import { onCancelMktData, onReqMarketDataType, onReqMktData } from './marketData';
import { onReqContractDetails, onReqCurrentTime, onReqIds, onReqManagedAccts } from './misc';

/** Routes one decoded client request, after the pacing monitor has let it through. */
export function dispatch(ctx: SimContext, connection: ClientConnection, request: Request): void {
  count(ctx, request.name);
  if (request.name === 'startApi') return onStartApi(ctx, connection, request.clientId);
  if (connection.phase !== 'ready') {
    ctx.log('info', `${connection.label}: ${request.name} before startApi ignored`);
    return;
  }
  switch (request.name) {
    case 'reqMktData':
      return onReqMktData(ctx, connection, request);
    case 'cancelMktData':
      return onCancelMktData(ctx, connection, request.reqId);
    case 'reqMarketDataType':
      return onReqMarketDataType(ctx, connection, request.type);
    case 'reqPositions':
      return onReqPositions(ctx, connection);
    case 'cancelPositions':
      return onCancelPositions(ctx, connection);
    case 'reqAccountUpdates':
      return onReqAccountUpdates(ctx, connection, request.subscribe, request.account);
    case 'reqAccountSummary':
      return onReqAccountSummary(ctx, connection, request.reqId, request.tags);
    case 'cancelAccountSummary':
      return onCancelAccountSummary(ctx, connection, request.reqId);
    case 'reqPnL':
      return onReqPnL(ctx, connection, request.reqId, request.account);
    case 'cancelPnL':
      connection.pnl.delete(request.reqId);
      return;
    case 'reqPnLSingle':
      return onReqPnLSingle(ctx, connection, request.reqId, request.account, request.conId);
    case 'cancelPnLSingle':
      connection.pnlSingle.delete(request.reqId);
      return;
    case 'reqCurrentTime':
      return onReqCurrentTime(ctx, connection);
    case 'reqIds':
      return onReqIds(ctx, connection);
    case 'reqManagedAccts':
      return onReqManagedAccts(ctx, connection);
    case 'reqContractDetails':
      return onReqContractDetails(ctx, connection, request.reqId, request.contract);
    case 'reqOpenOrders':
    case 'reqAllOpenOrders':
      return onReqOpenOrders(ctx, connection);
    case 'reqAutoOpenOrders':
      // Only client id 0 may bind TWS orders; with no orders there is nothing to send either way.
      return;
    case 'reqExecutions':
      return onReqExecutions(ctx, connection, request.reqId);
    case 'reqCompletedOrders':
      return onReqCompletedOrders(ctx, connection);
    case 'reqPositionsMulti':
      return onReqPositionsMulti(ctx, connection, request.reqId, request.account, request.modelCode);
    case 'cancelPositionsMulti':
    case 'cancelAccountUpdatesMulti':
    case 'cancelHistoricalData':
      return;
    case 'reqAccountUpdatesMulti':
      return onReqAccountUpdatesMulti(ctx, connection, request.reqId, request.account, request.modelCode);
    case 'reqHistoricalData':
      return onReqHistoricalData(ctx, connection, request.reqId, request.query);
    case 'reqCalcOptionPrice':
      return onCalculation(ctx, connection, { ...request, kind: 'optionPrice' });
    case 'reqCalcImpliedVolat':
      return onCalculation(ctx, connection, { ...request, kind: 'impliedVolatility' });
    case 'cancelCalcOptionPrice':
    case 'cancelCalcImpliedVolat':
      // Accepted whatever the id: the one answer has been sent already, and a gateway confirms no cancel.
      return;
    case 'unsupported':
      ctx.log('info', `${connection.label}: unsupported message id ${request.id} ignored`);
      connection.send(replies.error(-1, 321, `Error validating request: message id ${request.id} is not simulated`));
      return;
  }
}
