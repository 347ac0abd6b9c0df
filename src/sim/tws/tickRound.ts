import { isOption, ModelGreeks, OptionContract } from '../model';
import { startOfUtcDay } from '../model/time';
import { SimContext } from './context';
import { DOUBLE_MAX, Field } from './protocol/framing';
import { TickTypeCode } from './protocol/messageIds';
import { Frame, replies } from './protocol/replies';
import { quoteGreeks } from './quoteGreeks';
import { ClientConnection, MarketDataSubscription } from './clientConnection';

/** Delayed tick ids: prices 1/2/4/9 → 66/67/68/75, volume 8 → 74, computations 10..13 → 80..83. */
const DELAYED_PRICE: Record<number, number> = { 1: 66, 2: 67, 4: 68, 9: 75 };
const VOLUME = 8;
const DELAYED_VOLUME = 74;
const DELAYED_COMPUTATION_OFFSET = 70;
const QUOTE_SIZE = 10;
/** Generic ticks the simulator fills: option volume (100), option open interest (101), option implied vol (106). */
const OPTION_VOLUME = 100;
const OPTION_OPEN_INTEREST = 101;
const OPTION_IMPLIED_VOL = 106;
const TICK = { impliedVol: 24, callOpenInterest: 27, putOpenInterest: 28, callVolume: 29, putVolume: 30 } as const;

const NOT_COMPUTED_NEGATIVE: Field[] = [-1, -2, -1, -1, -2, -2, -2, -1];
const NOT_COMPUTED_MAX: Field[] = Array.from({ length: 8 }, () => DOUBLE_MAX);
/** A computation's eight values from model Greeks, in tickOptionComputation's order; the model pays no dividends. */
export function computationFields(greeks: ModelGreeks): Field[] {
  const { impliedVol, delta, optionPrice, gamma, vega, theta, underlyingPrice } = greeks;
  return [impliedVol, delta, optionPrice, 0, gamma, vega, theta, underlyingPrice];
}

/**
 * Index of undPrice among the eight values. A gateway leaves it unknown (Double.MAX) on a futures option's
 * computations while the future's price is not subscribed; @stoqey/ib decodes that to undefined.
 */
const UNDERLYING_PRICE_FIELD = 7;

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

/** Contracts traded today: a figure that grows through the UTC day, the same for every client. */
function dayVolume(conId: number, t: number): number {
  return 100 + (conId % 97) + Math.floor((t - startOfUtcDay(t)) / 1000);
}

function openInterest(conId: number): number {
  return 1000 + (conId % 4999);
}

/**
 * One round of one subscription at model time t, in two writes as a real stream arrives:
 * - `quotes`: on the first round the previous close (9) first, then bid/ask/last (1, 2, 4, each carrying its size),
 *   the day's volume (8), the generic ticks asked for, and for options the bid/ask/last computations (10/11/12) with
 *   the volatility implied by that quote;
 * - `model`: the model computation (13) with the model's own Greeks, written separately, after the quotes.
 * Records what the model tick carried so tests can compare.
 */
export function tickRound(
  ctx: SimContext,
  connection: ClientConnection,
  sub: MarketDataSubscription,
  t: number,
  first = false,
): { quotes: Frame[]; model: Frame[] } {
  const delayed = isDelayed(sub.servedType);
  const priceId = (live: number) => (delayed ? DELAYED_PRICE[live] : live);
  const quotes: Frame[] = [];
  const model: Frame[] = [];
  const contract = sub.contract;
  const option = isOption(contract) ? contract : undefined;
  const greeks = option ? ctx.model.optionGreeks(contract.conId, t) : undefined;
  const mark = greeks ? greeks.optionPrice : ctx.model.underlyingPrice(contract.conId, t);
  const prices = quote(mark, option !== undefined);
  if (first) {
    const close = ctx.model.markPrice(contract.conId, startOfUtcDay(t));
    quotes.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.close), roundCents(close, 'round'), '', 0));
  }
  quotes.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.bid), prices.bid, QUOTE_SIZE));
  quotes.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.ask), prices.ask, QUOTE_SIZE));
  quotes.push(replies.tickPrice(sub.reqId, priceId(TickTypeCode.last), prices.last, 1));
  quotes.push(replies.tickSize(sub.reqId, delayed ? DELAYED_VOLUME : VOLUME, dayVolume(contract.conId, t)));
  quotes.push(...genericTicks(ctx, sub, t));
  if (!option || !greeks || !sub.greeksAllowed) return { quotes, model };

  const delivery = ctx.model.greeksDelivery(contract.conId, t, sub.startedAt);
  if (delivery.kind === 'absent') return { quotes, model };
  const modelType = delayed ? TickTypeCode.delayedModelOption : TickTypeCode.modelOption;
  const withoutUnderlyingPrice = ctx.settings.fopWithoutUnderlyingPrice && contract.secType === 'FOP';
  for (const liveType of ctx.settings.computationTickTypes) {
    const tickType = delayed ? liveType + DELAYED_COMPUTATION_OFFSET : liveType;
    const isModel = tickType === modelType;
    let values: Field[];
    if (delivery.kind !== 'computed') {
      values = delivery.sentinel === 'doubleMax' ? NOT_COMPUTED_MAX : NOT_COMPUTED_NEGATIVE;
    } else if (isModel) {
      const g = delivery.greeks;
      values = computationFields(g);
      connection.lastGreeks.set(contract.conId, g);
    } else {
      const sidePrice =
        liveType === TickTypeCode.bidOption
          ? prices.bid
          : liveType === TickTypeCode.askOption
            ? prices.ask
            : prices.last;
      const implied = cachedQuoteGreeks(ctx, option, sidePrice, t, greeks.impliedVol);
      values = implied
        ? [
            implied.impliedVol,
            implied.delta,
            sidePrice,
            0,
            implied.gamma,
            implied.vega,
            implied.theta,
            implied.underlyingPrice,
          ]
        : [-1, -2, sidePrice, -1, -2, -2, -2, greeks.underlyingPrice];
    }
    if (withoutUnderlyingPrice) values = [...values.slice(0, UNDERLYING_PRICE_FIELD), DOUBLE_MAX];
    (isModel ? model : quotes).push(replies.tickOptionComputation(sub.reqId, tickType, 0, values));
    if (isModel) {
      ctx.lastSentGreeks.set(contract.conId, {
        conId: contract.conId,
        reqId: sub.reqId,
        clientId: connection.clientId,
        tickType,
        at: ctx.model.bucketStart(t),
        kind: delivery.kind,
        greeks: delivery.kind === 'computed' ? delivery.greeks : undefined,
        fields: values,
      });
    }
  }
  return { quotes, model };
}

/** The generic ticks a subscription asked for (100, 101, 106); other generic ticks are accepted and not filled. */
function genericTicks(ctx: SimContext, sub: MarketDataSubscription, t: number): Frame[] {
  const frames: Frame[] = [];
  const contract = sub.contract;
  const option = isOption(contract) ? contract : undefined;
  const wantsCall = !option || option.right === 'C';
  const wantsPut = !option || option.right === 'P';
  if (sub.genericTicks.has(OPTION_VOLUME)) {
    const volume = dayVolume(contract.conId, t);
    if (wantsCall) frames.push(replies.tickSize(sub.reqId, TICK.callVolume, volume));
    if (wantsPut) frames.push(replies.tickSize(sub.reqId, TICK.putVolume, volume));
  }
  if (sub.genericTicks.has(OPTION_OPEN_INTEREST)) {
    if (wantsCall) frames.push(replies.tickSize(sub.reqId, TICK.callOpenInterest, openInterest(contract.conId)));
    if (wantsPut) frames.push(replies.tickSize(sub.reqId, TICK.putOpenInterest, openInterest(contract.conId)));
  }
  if (sub.genericTicks.has(OPTION_IMPLIED_VOL)) {
    const impliedVol = option
      ? ctx.model.optionGreeks(contract.conId, t).impliedVol
      : (ctx.model.contract(contract.conId) as { impliedVol?: number }).impliedVol;
    if (impliedVol !== undefined) frames.push(replies.tickGeneric(sub.reqId, TICK.impliedVol, impliedVol));
  }
  return frames;
}

/**
 * Quote computations per option and price bucket: prices only move once a bucket, while rounds (and clients) repeat
 * them several times within it.
 */
const quoteCache = new WeakMap<
  SimContext,
  Map<number, { bucket: number; byPrice: Map<number, ModelGreeks | undefined> }>
>();

function cachedQuoteGreeks(
  ctx: SimContext,
  option: OptionContract,
  price: number,
  t: number,
  startVol: number,
): ModelGreeks | undefined {
  let perOption = quoteCache.get(ctx);
  if (!perOption) quoteCache.set(ctx, (perOption = new Map()));
  const bucket = ctx.model.bucketStart(t);
  let entry = perOption.get(option.conId);
  if (!entry || entry.bucket !== bucket) perOption.set(option.conId, (entry = { bucket, byPrice: new Map() }));
  if (!entry.byPrice.has(price)) entry.byPrice.set(price, quoteGreeks(ctx.model, option, price, t, startVol));
  return entry.byPrice.get(price);
}
