import { isOption } from '../../model';
import { SimContext } from '../context';
import { historicalBars } from '../historicalBars';
import { HistoricalDataQuery } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { ClientConnection } from '../clientConnection';
import { resolveContract } from './marketData';

/** Answers reqHistoricalData with synthetic bars from the model's price path (no live updates afterwards). */
export function onReqHistoricalData(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  query: HistoricalDataQuery,
): void {
  const contract = resolveContract(ctx, query.contract);
  if (!contract) {
    connection.send(replies.error(reqId, 200));
    return;
  }
  const priceAt = (t: number) =>
    isOption(contract)
      ? ctx.model.optionGreeks(contract.conId, t).optionPrice
      : ctx.model.underlyingPrice(contract.conId, t);
  const result = historicalBars(query, ctx.model.now(), priceAt);
  if (!result.ok) {
    connection.send(replies.error(reqId, result.code, result.message));
    return;
  }
  connection.send(replies.historicalData(reqId, result.start, result.end, result.bars));
}
