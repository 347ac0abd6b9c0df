import { isOption } from '../model';
import { SimContext } from './context';
import { DOUBLE_MAX, Field } from './protocol/framing';
import { TickTypeCode } from './protocol/messageIds';
import { Frame, replies } from './protocol/replies';
import { ClientSession, MarketDataSubscription } from './session';

/** Delayed tick ids: prices 1/2/4 → 66/67/68, computations 10..13 → 80..83. */
const DELAYED_PRICE: Record<number, number> = { 1: 66, 2: 67, 4: 68 };
const DELAYED_COMPUTATION_OFFSET = 70;
const QUOTE_SIZE = 10;

const NOT_COMPUTED_NEGATIVE: Field[] = [-1, -2, -1, -1, -2, -2, -2, -1];
const NOT_COMPUTED_MAX: Field[] = Array.from({ length: 8 }, () => DOUBLE_MAX);

function roundCents(value: number, mode: 'floor' | 'ceil' | 'round'): number {
  return Math[mode](value * 100) / 100;
}

/** A quote around the model price: 1 % half-spread for options (at least a cent), a cent for underlyings. */
function quote(mark: number, option: boolean): { bid: number; ask: number; last: number } {
  const half = option ? Math.max(0.01, mark * 0.01) : 0.01;
  return {
    bid: Math.max(0.01, roundCents(mark - half, 'floor')),
    ask: Math.max(0.02, roundCents(mark + half, 'ceil')),
    last: Math.max(0.01, roundCents(mark, 'round')),
  };
}

function isDelayed(servedType: number): boolean {
  return servedType === 3 || servedType === 4;
}

/**
 * The ticks of one round for one subscription at model time t: bid/ask/last prices (each carrying its size), then,
 * for options whose Greeks are entitled and due, one tickOptionComputation per configured type. Records what the
 * model tick carried so tests can compare.
 */
export function tickRound(ctx: SimContext, session: ClientSession, sub: MarketDataSubscription, t: number): Frame[] {
  const delayed = isDelayed(sub.servedType);
  const priceId = (live: number) => (delayed ? DELAYED_PRICE[live] : live);
  const frames: Frame[] = [];
  const contract = sub.contract;
  const option = isOption(contract);
  const mark = option
    ? ctx.model.optionGreeks(contract.conId, t).optionPrice
    : ctx.model.underlyingPrice(contract.conId, t);
  const prices = quote(mark, option);
  frames.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.bid), prices.bid, QUOTE_SIZE));
  frames.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.ask), prices.ask, QUOTE_SIZE));
  frames.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.last), prices.last, 1));
  if (!option || !sub.greeksAllowed) return frames;

  const delivery = ctx.model.greeksDelivery(contract.conId, t, sub.startedAt);
  if (delivery.kind === 'absent') return frames;
  const modelType = delayed ? TickTypeCode.delayedModelOption : TickTypeCode.modelOption;
  for (const liveType of ctx.settings.computationTickTypes) {
    const tickType = delayed ? liveType + DELAYED_COMPUTATION_OFFSET : liveType;
    let values: Field[];
    if (delivery.kind === 'computed') {
      const g = delivery.greeks;
      const sidePrice =
        liveType === TickTypeCode.bidOption
          ? prices.bid
          : liveType === TickTypeCode.askOption
            ? prices.ask
            : liveType === TickTypeCode.lastOption
              ? prices.last
              : g.optionPrice;
      values = [g.impliedVol, g.delta, sidePrice, 0, g.gamma, g.vega, g.theta, g.underlyingPrice];
      if (tickType === modelType) session.lastGreeks.set(contract.conId, g);
    } else {
      values = delivery.sentinel === 'doubleMax' ? NOT_COMPUTED_MAX : NOT_COMPUTED_NEGATIVE;
    }
    frames.push(replies.tickOptionComputation(sub.reqId, tickType, 0, values));
    if (tickType === modelType) {
      ctx.lastSentGreeks.set(contract.conId, {
        conId: contract.conId,
        reqId: sub.reqId,
        clientId: session.clientId,
        tickType,
        at: ctx.model.bucketStart(t),
        kind: delivery.kind,
        greeks: delivery.kind === 'computed' ? delivery.greeks : undefined,
        fields: values,
      });
    }
  }
  return frames;
}
