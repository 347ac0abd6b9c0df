import type { GreeksSource } from '../../greeks/sources';
import { SecType, type Contract } from '@stoqey/ib';
import { effectiveMultiplier, isDeltaOneSecType, isOptionSecType } from '../../greeks/instruments';
import type { BenchmarkQuote, MarketDataType, OptionGreeks, Position, PriceQuote } from '../types';
import {
  delayedEquivalent,
  marketDataContract,
  marketDataTypeCode,
  marketDataTypeFromCode,
  type Parsed,
} from './contractMapping';
import type { ContractResolver } from './contractResolver';
import type { Clock } from '../plumbing/clock';
import type { EventHub } from '../plumbing/eventHub';
import type { RequestIds, Session } from './session';

type SubscriptionKind = 'greeks' | 'price';
type SubscriptionStatus = 'idle' | 'waiting_contract' | 'requested' | 'over_budget' | 'failed';

/** One streaming reqMktData line per conId, with the last good values it delivered. */
interface Subscription {
  conId: number;
  kind: SubscriptionKind;
  position: Position;
  /** |quantity × multiplier|: the biggest exposures get lines first when the budget is short. */
  priority: number;
  status: SubscriptionStatus;
  /** Asked for by symbol instead of conId (the beta benchmark, which need not be held). */
  contract?: Contract;
  reqId: number | null;
  requestedType: MarketDataType | null;
  reportedType: MarketDataType | null;
  sawModelTick: boolean;
  /** Set by 1100, a "not computed" tick after a good one, or a new request; cleared by the next good value. */
  stale: boolean;
  notComputedSeen: boolean;
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
  impliedVol: number | null;
  underlyingPrice: number | null;
  optionPrice: number | null;
  computedAt: number;
  valueType: MarketDataType;
  /** IB's model computation, or a bid/ask/last computation standing in before the first model tick. */
  source: GreeksSource;
  bid: number | null;
  ask: number | null;
  last: number | null;
  close: number | null;
  priceAt: number;
}

export interface MarketDataStats {
  requestedType: MarketDataType;
  linesInUse: number;
  overBudget: number[];
  failed: number[];
}

/** IB tick types (TickType enum values) the book reads. */
const MODEL_OPTION = 13;
const DELAYED_MODEL_OPTION = 83;
const QUOTE_OPTION_TICKS: ReadonlySet<number> = new Set([10, 11, 12, 80, 81, 82]);
const FIRST_DELAYED_TICK = 66;
const PRICE_FIELDS: Readonly<Record<number, 'bid' | 'ask' | 'last' | 'close'>> = {
  1: 'bid',
  2: 'ask',
  4: 'last',
  9: 'close',
  66: 'bid',
  67: 'ask',
  68: 'last',
  75: 'close',
};

/** The beta benchmark's line is kept under this key: IB conIds are positive, so it never meets a position. */
const BENCHMARK_KEY = -1;
/** BETA_BENCHMARK names a US-listed stock or ETF (e.g. SPY), asked for through SMART in USD. */
const BENCHMARK_EXCHANGE = 'SMART';
const BENCHMARK_CURRENCY = 'USD';

const NOT_SUBSCRIBED_CODES: ReadonlySet<number> = new Set([354, 10168]);
const MAX_TICKERS_REACHED = 101;
const CANCEL_OF_UNKNOWN_ID = 300;
const DUPLICATE_TICKER_CODES: ReadonlySet<number> = new Set([102, 322]);
const DELAYED_DISPLAYED = 10167;
const PARTLY_NOT_SUBSCRIBED = 10090;

function isModelTick(field: number): boolean {
  return field === MODEL_OPTION || field === DELAYED_MODEL_OPTION;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isGarbage(value: unknown): boolean {
  return typeof value === 'number' && Number.isNaN(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isDelayedType(type: MarketDataType): boolean {
  return type === 'delayed' || type === 'delayed-frozen';
}

function frozenEquivalent(type: MarketDataType): MarketDataType {
  return isDelayedType(type) ? 'delayed-frozen' : 'frozen';
}

function compareForBudget(a: Subscription, b: Subscription): number {
  if (a.kind !== b.kind) return a.kind === 'greeks' ? -1 : 1;
  return b.priority - a.priority || a.conId - b.conId;
}

/**
 * Streaming market data: one line per option (Greeks) and per delta-one position (its price), allocated within the
 * line budget, re-requested with fresh ids after every reconnect or 1101, with the fallback to delayed data when
 * live is not permitted. Reads (greeksSnapshot, priceSnapshot) touch memory only.
 */
export class MarketDataBook {
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly byReqId = new Map<number, Subscription>();
  private session: Session | null = null;
  private requestedType: MarketDataType;
  private overBudgetCount = 0;
  private readonly permissionWarned = new Set<number>();

  constructor(
    private readonly maxLines: number,
    initialType: MarketDataType,
    private readonly clock: Clock,
    private readonly ids: RequestIds,
    private readonly resolver: ContractResolver,
    private readonly events: EventHub,
    benchmarkSymbol: string | null = null,
  ) {
    this.requestedType = initialType;
    if (benchmarkSymbol) this.subscriptions.set(BENCHMARK_KEY, newBenchmarkSubscription(benchmarkSymbol, initialType));
  }

  currentType(): MarketDataType {
    return this.requestedType;
  }

  /** Brings the subscription set in line with the positions (new ones subscribed, closed ones cancelled). */
  reconcile(positions: Iterable<Position>): void {
    const seen = new Set<number>();
    for (const position of positions) {
      const kind: SubscriptionKind | null = isOptionSecType(position.secType)
        ? 'greeks'
        : isDeltaOneSecType(position.secType)
          ? 'price'
          : null;
      if (kind === null) continue;
      const priority = Math.abs(position.quantity * effectiveMultiplier(position.multiplier));
      const existing = this.subscriptions.get(position.conId);
      if (!existing) {
        this.subscriptions.set(position.conId, newSubscription(position, kind, priority, this.requestedType));
      } else if (!seen.has(position.conId)) {
        existing.position = position;
        existing.priority = priority;
      } else {
        existing.priority = Math.max(existing.priority, priority);
      }
      seen.add(position.conId);
    }
    for (const subscription of this.subscriptions.values()) {
      if (seen.has(subscription.conId) || subscription.conId === BENCHMARK_KEY) continue;
      this.cancel(subscription);
      this.subscriptions.delete(subscription.conId);
    }
    this.allocate();
  }

  onSessionReady(session: Session): void {
    this.session = session;
    this.resubscribeAll();
  }

  onSessionLost(): void {
    this.session = null;
    this.forgetRequests();
  }

  /** 1100: the socket stays but nothing flowing through it can be trusted until new values arrive. */
  onConnectivityLost(): void {
    for (const subscription of this.subscriptions.values()) subscription.stale = true;
  }

  /** 1101: TWS forgot every subscription; ask again with fresh ids. */
  onDataLost(session: Session): void {
    this.session = session;
    this.resubscribeAll();
  }

  /** Contract details arrived (or were refused) for a conId whose line was waiting on them. */
  onContractSettled(conId: number, position: Position | undefined): void {
    const subscription = this.subscriptions.get(conId);
    if (!subscription || subscription.status !== 'waiting_contract') return;
    if (position) subscription.position = position;
    subscription.status = 'idle';
    this.start(subscription);
  }

  /**
   * Whether an option computation for this request and tick type can change anything the book keeps; the socket's
   * pre-filter drops the others before they are decoded. Once false for a request id it stays false: ids are never
   * reused, a line's kind never changes, and sawModelTick is only reset together with a new id.
   */
  wantsOptionComputation(reqId: number, field: number): boolean {
    const subscription = this.byReqId.get(reqId);
    if (!subscription || subscription.kind !== 'greeks') return false;
    // Model Greeks are IBKR's own values; bid/ask/last computations only stand in until the first model tick.
    return isModelTick(field) || (QUOTE_OPTION_TICKS.has(field) && !subscription.sawModelTick);
  }

  /** Whether a price tick for this request and tick type is read at all (only price lines read prices). */
  wantsPriceTick(reqId: number, field: number): boolean {
    const subscription = this.byReqId.get(reqId);
    return subscription !== undefined && subscription.kind === 'price' && PRICE_FIELDS[field] !== undefined;
  }

  onTickOptionComputation(
    reqId: number,
    field: number,
    impliedVol: unknown,
    delta: unknown,
    optionPrice: unknown,
    gamma: unknown,
    vega: unknown,
    theta: unknown,
    underlyingPrice: unknown,
  ): void {
    if (!this.wantsOptionComputation(reqId, field)) return;
    const subscription = this.byReqId.get(reqId)!;
    const isModel = isModelTick(field);
    if (
      isGarbage(impliedVol) ||
      isGarbage(delta) ||
      isGarbage(optionPrice) ||
      isGarbage(gamma) ||
      isGarbage(vega) ||
      isGarbage(theta) ||
      isGarbage(underlyingPrice)
    ) {
      this.events.badInput('option computation with non-numeric values', { conId: subscription.conId, field });
      return;
    }
    if (isModel) subscription.sawModelTick = true;
    if (isFiniteNumber(delta) && isFiniteNumber(gamma) && isFiniteNumber(vega) && isFiniteNumber(theta)) {
      subscription.delta = delta;
      subscription.gamma = gamma;
      subscription.vega = vega;
      subscription.theta = theta;
      subscription.impliedVol = finiteOrNull(impliedVol);
      subscription.underlyingPrice = finiteOrNull(underlyingPrice);
      subscription.optionPrice = finiteOrNull(optionPrice);
      subscription.computedAt = this.clock();
      subscription.valueType = this.typeOf(subscription, field);
      subscription.source = isModel ? 'ib_model' : 'ib_quote';
      subscription.stale = false;
      return;
    }
    // A quote computation that is not computed only says that quote implies no volatility (a bid below intrinsic
    // value, say); the other quotes' stand-in values stay current.
    if (!isModel && subscription.computedAt > 0) return;
    // "Not computed": keep the last good values, but say they are no longer current.
    if (subscription.computedAt > 0) subscription.stale = true;
    else subscription.notComputedSeen = true;
  }

  onTickPrice(reqId: number, field: number, value: unknown): void {
    if (!this.wantsPriceTick(reqId, field)) return;
    const subscription = this.byReqId.get(reqId)!;
    const slot = PRICE_FIELDS[field];
    if (isGarbage(value)) {
      this.events.badInput('price tick with a non-numeric value', { conId: subscription.conId, field });
      return;
    }
    // IB sends -1 (or 0) for "no price".
    if (!isFiniteNumber(value) || value <= 0) return;
    subscription[slot] = value;
    subscription.priceAt = this.clock();
    subscription.valueType = this.typeOf(subscription, field);
    subscription.stale = false;
  }

  onMarketDataType(reqId: number, code: unknown): void {
    const subscription = this.byReqId.get(reqId);
    if (!subscription) return;
    const type = marketDataTypeFromCode(Number(code));
    if (type === null) this.events.badInput('unknown market data type', { reqId, code: String(code) });
    else subscription.reportedType = type;
  }

  /** Returns false when the request id is not one of ours. */
  onRequestError(reqId: number, code: number, message: string): boolean {
    const subscription = this.byReqId.get(reqId);
    if (!subscription) return false;
    const { conId } = subscription;
    const symbol = subscription.position.localSymbol;
    if (code === CANCEL_OF_UNKNOWN_ID) return true;
    if (code === DELAYED_DISPLAYED) {
      subscription.reportedType = delayedEquivalent(subscription.requestedType ?? this.requestedType);
      return true;
    }
    if (code === PARTLY_NOT_SUBSCRIBED || (code >= 2100 && code < 3000)) {
      if (!this.permissionWarned.has(conId)) {
        this.permissionWarned.add(conId);
        this.events.emit({ type: 'error', code, message: `${symbol}: ${message}`, details: { conId, reqId } });
      }
      return true;
    }
    this.forgetRequest(subscription);
    if (NOT_SUBSCRIBED_CODES.has(code) && subscription.requestedType && !isDelayedType(subscription.requestedType)) {
      if (this.requestedType === subscription.requestedType) this.fallBackToDelayed(code, message);
      this.start(subscription);
      return true;
    }
    if (code === MAX_TICKERS_REACHED) {
      subscription.status = 'over_budget';
      this.events.emit({
        type: 'line_budget_exceeded',
        code,
        message: `gateway refused a market-data line for ${symbol}: ${message}`,
        details: { conId, maxLines: this.maxLines },
      });
      return true;
    }
    if (DUPLICATE_TICKER_CODES.has(code)) {
      this.start(subscription);
      return true;
    }
    subscription.status = 'failed';
    this.events.emit({
      type: 'error',
      code,
      message: `market data for ${symbol} refused: ${message}`,
      details: { conId, reqId, kind: subscription.kind },
    });
    return true;
  }

  /** The option's latest Greeks as a fresh object, or undefined when none ever arrived. */
  greeksSnapshot(conId: number, sessionLive: boolean): OptionGreeks | undefined {
    const s = this.subscriptions.get(conId);
    if (!s || s.kind !== 'greeks') return undefined;
    if (s.computedAt === 0 && !s.notComputedSeen) return undefined;
    return {
      conId,
      delta: s.delta,
      gamma: s.gamma,
      vega: s.vega,
      theta: s.theta,
      impliedVol: s.impliedVol,
      underlyingPrice: s.underlyingPrice,
      optionPrice: s.optionPrice,
      computedAt: s.computedAt,
      marketDataType: s.valueType,
      stale: s.stale || s.computedAt === 0 || !sessionLive || s.status !== 'requested',
      source: s.source,
    };
  }

  /**
   * The instrument's current price (last, else mid, else the previous close labelled frozen); undefined unless it is
   * streaming and current.
   */
  priceSnapshot(conId: number, sessionLive: boolean): PriceQuote | undefined {
    const s = this.subscriptions.get(conId);
    if (!s || s.kind !== 'price' || s.stale || !sessionLive || s.status !== 'requested' || s.priceAt === 0) {
      return undefined;
    }
    const current = s.last ?? (s.bid !== null && s.ask !== null ? (s.bid + s.ask) / 2 : null);
    const price = current ?? s.close;
    if (price === null) return undefined;
    // The previous close (sent first on every line) is not a current price: label it as frozen data.
    const marketDataType = current === null ? frozenEquivalent(s.valueType) : s.valueType;
    return { conId, price, at: s.priceAt, marketDataType };
  }

  /** The beta benchmark's current price; null while it has none, undefined when no benchmark is configured. */
  benchmarkSnapshot(sessionLive: boolean): BenchmarkQuote | null | undefined {
    const subscription = this.subscriptions.get(BENCHMARK_KEY);
    if (!subscription) return undefined;
    const quote = this.priceSnapshot(BENCHMARK_KEY, sessionLive);
    if (!quote) return null;
    return {
      symbol: subscription.position.localSymbol,
      currency: subscription.position.currency,
      price: quote.price,
      at: quote.at,
      marketDataType: quote.marketDataType,
    };
  }

  stats(): MarketDataStats {
    const overBudget: number[] = [];
    const failed: number[] = [];
    let linesInUse = 0;
    for (const s of this.subscriptions.values()) {
      if (s.status === 'requested' || s.status === 'waiting_contract') linesInUse++;
      else if (s.status === 'over_budget') overBudget.push(s.conId);
      else if (s.status === 'failed') failed.push(s.conId);
    }
    return { requestedType: this.requestedType, linesInUse, overBudget, failed };
  }

  private resubscribeAll(): void {
    this.forgetRequests();
    // The type is per connection: it must precede the market-data requests on every new session.
    const type = this.requestedType;
    this.session?.send((api) => api.reqMarketDataType(marketDataTypeCode(type)));
    this.allocate();
  }

  private forgetRequests(): void {
    this.byReqId.clear();
    for (const subscription of this.subscriptions.values()) {
      subscription.reqId = null;
      subscription.stale = true;
      subscription.status = 'idle';
    }
  }

  /** Gives the first maxLines subscriptions (options first, biggest first) a line; the rest wait. */
  private allocate(): void {
    if (!this.session?.isReady()) return;
    const ordered = [...this.subscriptions.values()].sort(compareForBudget);
    let used = 0;
    let overBudget = 0;
    const left: number[] = [];
    for (const subscription of ordered) {
      if (subscription.status === 'failed') continue;
      if (used < this.maxLines) {
        used++;
        if (subscription.status === 'idle' || subscription.status === 'over_budget') this.start(subscription);
        continue;
      }
      this.cancel(subscription);
      subscription.status = 'over_budget';
      overBudget++;
      if (left.length < 20) left.push(subscription.conId);
    }
    if (overBudget !== this.overBudgetCount) {
      this.overBudgetCount = overBudget;
      if (overBudget > 0) {
        this.events.emit({
          type: 'line_budget_exceeded',
          message: `${overBudget} positions have no market-data line (budget ${this.maxLines}); their Greeks are missing`,
          details: { maxLines: this.maxLines, wanted: used + overBudget, unsubscribed: overBudget, conIds: left },
        });
      }
    }
  }

  private start(subscription: Subscription): void {
    const session = this.session;
    if (!session?.isReady()) return;
    if (subscription.computedAt > 0 || subscription.priceAt > 0) subscription.stale = true;
    if (this.resolver.isPending(subscription.position)) {
      subscription.status = 'waiting_contract';
      this.resolver.request(session, subscription.conId);
      return;
    }
    // The benchmark is asked for by symbol; every held position by conId on its listing exchange.
    const contract: Parsed<Contract> = subscription.contract
      ? { ok: true, value: subscription.contract }
      : marketDataContract(subscription.position, this.resolver.get(subscription.conId));
    if (!contract.ok) {
      subscription.status = 'failed';
      this.events.emit({
        type: 'error',
        message: `market data for ${contract.reason}; its Greeks are missing until the next reconnect`,
        details: { conId: subscription.conId, kind: subscription.kind },
      });
      return;
    }
    const reqId = this.ids.take();
    subscription.reqId = reqId;
    subscription.status = 'requested';
    subscription.requestedType = this.requestedType;
    subscription.reportedType = null;
    subscription.sawModelTick = false;
    this.byReqId.set(reqId, subscription);
    session.send((api) => api.reqMktData(reqId, contract.value, '', false, false));
  }

  private cancel(subscription: Subscription): void {
    const reqId = subscription.reqId;
    this.forgetRequest(subscription);
    if (reqId !== null) this.session?.send((api) => api.cancelMktData(reqId));
  }

  private forgetRequest(subscription: Subscription): void {
    if (subscription.reqId !== null) this.byReqId.delete(subscription.reqId);
    subscription.reqId = null;
    subscription.status = 'idle';
  }

  private fallBackToDelayed(code: number, message: string): void {
    const from = this.requestedType;
    const to = delayedEquivalent(from);
    this.requestedType = to;
    this.events.emit({
      type: 'market_data_type_fallback',
      code,
      message: `${from} market data not permitted (${message}); requesting ${to} instead`,
      details: { from, to },
    });
    this.session?.send((api) => api.reqMarketDataType(marketDataTypeCode(to)));
  }

  /** The type a value really came from: the gateway's marketDataType message, corrected by delayed tick ids. */
  private typeOf(subscription: Subscription, field: number): MarketDataType {
    const delayedTick = field >= FIRST_DELAYED_TICK;
    const reported = subscription.reportedType;
    if (reported) return delayedTick && !isDelayedType(reported) ? 'delayed' : reported;
    const requested = subscription.requestedType ?? this.requestedType;
    if (delayedTick) return delayedEquivalent(requested);
    // Delayed is only a permission to fall back: a regular tick on a delayed request is real-time data.
    if (requested === 'delayed') return 'live';
    if (requested === 'delayed-frozen') return 'frozen';
    return requested;
  }
}

function newSubscription(
  position: Position,
  kind: SubscriptionKind,
  priority: number,
  type: MarketDataType,
): Subscription {
  return {
    conId: position.conId,
    kind,
    position,
    priority,
    status: 'idle',
    reqId: null,
    requestedType: null,
    reportedType: null,
    sawModelTick: false,
    stale: false,
    notComputedSeen: false,
    delta: null,
    gamma: null,
    vega: null,
    theta: null,
    impliedVol: null,
    underlyingPrice: null,
    optionPrice: null,
    computedAt: 0,
    valueType: type,
    source: 'ib_model',
    bid: null,
    ask: null,
    last: null,
    close: null,
    priceAt: 0,
  };
}

/**
 * A price line for the benchmark by symbol. It comes last when the budget is short: a held position's price feeds
 * every total, the benchmark only the beta-weighted figure (which then says it has no price).
 */
function newBenchmarkSubscription(symbol: string, type: MarketDataType): Subscription {
  const position: Position = {
    account: '',
    conId: BENCHMARK_KEY,
    localSymbol: symbol,
    underlying: symbol,
    secType: 'STK',
    multiplier: 1,
    quantity: 0,
    currency: BENCHMARK_CURRENCY,
  };
  return {
    ...newSubscription(position, 'price', -1, type),
    contract: { symbol, secType: SecType.STK, exchange: BENCHMARK_EXCHANGE, currency: BENCHMARK_CURRENCY },
  };
}
