import type { GreeksSource } from '../../greeks/sources';
import { SecType, type Contract } from '@stoqey/ib';
import {
  effectiveMultiplier,
  isDeltaOneSecType,
  isOptionSecType,
  underlyingGroup,
  underlyingKey,
} from '../../greeks/instruments';
import type { BenchmarkQuote, MarketDataType, OptionGreeks, Position, PriceQuote, SecurityType } from '../types';
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
import { SOCKET_BROKER_DEFAULTS } from './options';
import {
  MAX_BUDGET_RETRY_MS,
  planRotation,
  ROTATION_DEFAULTS,
  type RotationMember,
  type RotationSettings,
} from './lineRotation';

type SubscriptionKind = 'greeks' | 'price';
type SubscriptionStatus = 'idle' | 'waiting_contract' | 'requested' | 'over_budget' | 'waiting_turn' | 'failed';

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
  /** An options' underlying that is not held itself: its price line feeds the local model while options rotate. */
  underlyingOnly: boolean;
  /** Monotonic time the current line was requested (0: no line); a rotating option's turn began then. */
  lineSince: number;
  /** IB's model Greeks arrived on the current line. */
  refreshedOnLine: boolean;
  /** Monotonic time the current request left the pacer for the socket (0: not yet). */
  sentAt: number;
  /** Anything came back for the current request (a tick of any kind, its market-data type, an error). */
  heard: boolean;
  /** Times this line was asked again because nothing came back; the wait doubles with each. */
  silentRetries: number;
  /** Monotonic time the option's last turn began (0: never), for the rotation's round robin. */
  lastTurnAt: number;
  reqId: number | null;
  requestedType: MarketDataType | null;
  reportedType: MarketDataType | null;
  sawModelTick: boolean;
  /** Set by 1100, a "not computed" tick after a good one, or a new request; cleared by the next good value. */
  stale: boolean;
  notComputedSeen: boolean;
  /**
   * Its computations came without the underlying's price (IB leaves it out of futures options' ticks when the future
   * is not streamed): the underlying then gets a price line of its own.
   */
  lacksUnderlyingPrice: boolean;
  /** IB's model said "not computed" on this line after good values: IB's calculation on request may stand in. */
  modelStopped: boolean;
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
  impliedVol: number | null;
  underlyingPrice: number | null;
  optionPrice: number | null;
  pvDividend: number | null;
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

/** An option IB's stream stopped computing, with the inputs for IB's calculateOptionPrice. */
export interface CalculationCandidate {
  conId: number;
  contract: Contract;
  volatility: number;
  volatilityAt: number;
  underlyingPrice: number;
  marketDataType: MarketDataType;
}

export interface MarketDataStats {
  requestedType: MarketDataType;
  linesInUse: number;
  overBudget: number[];
  failed: number[];
  /** Options taking turns on `lines` lines, when there are more options than lines; null otherwise. */
  rotation: {
    options: number;
    lines: number;
    /** Options that never had a turn (so no volatility from IB yet, unless they streamed before the rotation). */
    neverRefreshed: number;
    /** Age of the oldest turn start among options that had one: how long the longest wait for new IB values is. */
    oldestTurnAgeMs: number | null;
  } | null;
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

/** Quiet time after the last 101 before the lines still held are taken as the gateway's allowance. */
const GATEWAY_LIMIT_SETTLE_MS = 1_000;
/** How often lines are checked for silence (a request the gateway dropped, e.g. after a pacing error 100). */
const SILENT_LINE_CHECK_MS = 1_000;
/** The longest wait for a silent line before it is asked again. */
const MAX_SILENT_LINE_MS = 10 * 60_000;
/** How often the rotation looks for lines whose turn is done. */
const ROTATION_TICK_MS = 200;
/** Requests queued in the pacer above which the rotation waits: a subscription backlog (start-up, 1101) goes first. */
const ROTATION_MAX_BACKLOG = 20;

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

/** While options rotate, price lines come first: every option's local model needs its underlying's price. */
function comparePricesFirst(a: Subscription, b: Subscription): number {
  if (a.kind !== b.kind) return a.kind === 'price' ? -1 : 1;
  return b.priority - a.priority || a.conId - b.conId;
}

function hasLine(subscription: Subscription): boolean {
  return subscription.status === 'requested' || subscription.status === 'waiting_contract';
}

/** The option's underlying by type, for a price line: contract details' underSecType, else what its own type implies. */
function underlyingPosition(option: Position, conId: number, secType: SecurityType | null): Position {
  return {
    account: '',
    conId,
    localSymbol: option.underlying,
    underlying: option.underlying,
    secType: secType ?? (option.secType === 'FOP' ? 'FUT' : 'STK'),
    multiplier: 1,
    quantity: 0,
    currency: option.currency,
  };
}

/**
 * Streaming market data: one line per option (Greeks) and per delta-one position (its price), allocated within the
 * line budget, re-requested with fresh ids after every reconnect or 1101, with the fallback to delayed data when
 * live is not permitted. When the options need more lines than the budget leaves, every underlying gets a price line
 * first and the options take turns on the rest (lineRotation.ts). Reads (greeksSnapshot, priceSnapshot) touch memory
 * only.
 */
export class MarketDataBook {
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly byReqId = new Map<number, Subscription>();
  private session: Session | null = null;
  private requestedType: MarketDataType;
  private overBudgetCount = 0;
  private readonly permissionWarned = new Set<number>();
  /**
   * Lines the gateway granted when it refused one (101): the account's allowance is below the configured budget
   * (other sessions of the login hold lines, or the allowance is smaller). Tried afresh on every new session.
   */
  private gatewayLimit: number | null = null;
  private gatewayLimitCheck: NodeJS.Timeout | null = null;
  private budgetRetry: NodeJS.Timeout | null = null;
  private silentLineCheck: NodeJS.Timeout | null = null;
  private budgetRetryMs: number;
  /** Lines the rotating options share; null while every option has a line of its own. */
  private rotationLines: number | null = null;
  private rotationAnnounced = '';
  private rotationTimer: NodeJS.Timeout | null = null;
  private rotationTickAt = 0;
  private rotationCredit = 0;

  constructor(
    /** The account's positions as they stand, completed by contract details; the book reconciles against them. */
    private readonly positions: () => Iterable<Position>,
    private readonly maxLines: number,
    initialType: MarketDataType,
    private readonly clock: Clock,
    private readonly ids: RequestIds,
    private readonly resolver: ContractResolver,
    private readonly events: EventHub,
    benchmarkSymbol: string | null = null,
    private readonly rotation: RotationSettings = ROTATION_DEFAULTS,
    /**
     * A line that has heard nothing this long after its request was sent is asked again (then after twice as long):
     * a gateway drops requests it refuses for pacing (error 100, which names no request), and a line that never
     * streams would leave its option without Greeks for the rest of the session.
     */
    private readonly silentLineMs: number = SOCKET_BROKER_DEFAULTS.silentLineMs,
    /** Real time for turn lengths; the wall clock above may be a test's. */
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    this.requestedType = initialType;
    this.budgetRetryMs = rotation.budgetRetryMs;
    if (benchmarkSymbol) this.subscriptions.set(BENCHMARK_KEY, newBenchmarkSubscription(benchmarkSymbol, initialType));
  }

  currentType(): MarketDataType {
    return this.requestedType;
  }

  /** Brings the subscription set in line with the positions (new ones subscribed, closed ones cancelled). */
  reconcile(): void {
    const seen = new Set<number>();
    for (const position of this.positions()) {
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
    const underlyings = this.underlyingsToStream(this.needsRotation());
    for (const [conId, position] of underlyings) {
      if (!this.subscriptions.has(conId)) {
        this.subscriptions.set(conId, {
          ...newSubscription(position, 'price', 0, this.requestedType),
          underlyingOnly: true,
        });
      }
      seen.add(conId);
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
    if (this.silentLineCheck === null) {
      this.silentLineCheck = setInterval(() => this.askSilentLinesAgain(), SILENT_LINE_CHECK_MS);
      this.silentLineCheck.unref();
    }
    this.gatewayLimit = null;
    this.budgetRetryMs = this.rotation.budgetRetryMs;
    this.resubscribeAll();
  }

  onSessionLost(): void {
    this.session = null;
    if (this.gatewayLimitCheck !== null) clearTimeout(this.gatewayLimitCheck);
    if (this.budgetRetry !== null) clearTimeout(this.budgetRetry);
    this.gatewayLimitCheck = null;
    this.budgetRetry = null;
    if (this.silentLineCheck !== null) clearInterval(this.silentLineCheck);
    this.silentLineCheck = null;
    this.forgetRequests();
    this.stopRotationTimer();
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
    if (!subscription) return false;
    // Asked for every tick frame, read or dropped: the line is alive.
    this.heardFrom(subscription);
    if (subscription.kind !== 'greeks') return false;
    // Model Greeks are IBKR's own values; bid/ask/last computations only stand in until the first model tick.
    return isModelTick(field) || (QUOTE_OPTION_TICKS.has(field) && !subscription.sawModelTick);
  }

  /** Whether a price tick for this request and tick type is read at all (only price lines read prices). */
  wantsPriceTick(reqId: number, field: number): boolean {
    const subscription = this.byReqId.get(reqId);
    if (!subscription) return false;
    this.heardFrom(subscription);
    return subscription.kind === 'price' && PRICE_FIELDS[field] !== undefined;
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
    pvDividend: unknown = null,
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
      if (isModel) subscription.refreshedOnLine = true;
      subscription.delta = delta;
      subscription.gamma = gamma;
      subscription.vega = vega;
      subscription.theta = theta;
      subscription.impliedVol = finiteOrNull(impliedVol);
      subscription.underlyingPrice = finiteOrNull(underlyingPrice);
      if (subscription.underlyingPrice === null && !subscription.lacksUnderlyingPrice) {
        subscription.lacksUnderlyingPrice = true;
        this.reconcile();
      }
      subscription.optionPrice = finiteOrNull(optionPrice);
      subscription.pvDividend = finiteOrNull(pvDividend);
      subscription.computedAt = this.clock();
      subscription.valueType = this.typeOf(subscription, field);
      subscription.source = isModel ? 'ib_model' : 'ib_quote';
      subscription.stale = false;
      subscription.modelStopped = false;
      return;
    }
    // A quote computation that is not computed only says that quote implies no volatility (a bid below intrinsic
    // value, say); the other quotes' stand-in values stay current.
    if (!isModel && subscription.computedAt > 0) return;
    // "Not computed": keep the last good values, but say they are no longer current.
    if (subscription.computedAt > 0) {
      subscription.stale = true;
      subscription.modelStopped = true;
    } else {
      subscription.notComputedSeen = true;
    }
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
    this.heardFrom(subscription);
    const type = marketDataTypeFromCode(Number(code));
    if (type === null) this.events.badInput('unknown market data type', { reqId, code: String(code) });
    else subscription.reportedType = type;
  }

  /** Returns false when the request id is not one of ours. */
  onRequestError(reqId: number, code: number, message: string): boolean {
    const subscription = this.byReqId.get(reqId);
    if (!subscription) return false;
    this.heardFrom(subscription);
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
        message: `gateway refused a market-data line for ${symbol}: ${message}; the lines it granted are the budget until the full one is tried again`,
        details: { conId, maxLines: this.maxLines },
      });
      this.scheduleGatewayLimit();
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

  /**
   * Options on a line whose IB model stopped computing them (a "not computed" tick after good values), with what a
   * calculation request needs: the contract, IB's last implied volatility and the underlying's live price (its price
   * line, else the freshest computation of another option on it, at most `maxPriceAgeMs` old).
   */
  calculationCandidates(maxPriceAgeMs: number): CalculationCandidate[] {
    const now = this.clock();
    const fromOptions = new Map<string, { price: number; at: number }>();
    for (const s of this.subscriptions.values()) {
      if (s.kind !== 'greeks' || s.stale || s.underlyingPrice === null || now - s.computedAt > maxPriceAgeMs) continue;
      const key = underlyingKey(s.position);
      const known = fromOptions.get(key);
      if (!known || known.at < s.computedAt) fromOptions.set(key, { price: s.underlyingPrice, at: s.computedAt });
    }
    const candidates: CalculationCandidate[] = [];
    for (const s of this.subscriptions.values()) {
      if (s.kind !== 'greeks' || s.status !== 'requested' || !s.modelStopped || s.impliedVol === null) continue;
      const line =
        s.position.underlyingConId === undefined ? undefined : this.subscriptions.get(s.position.underlyingConId);
      const quote = line ? this.priceSnapshot(line.conId, true) : undefined;
      const underlying =
        quote && now - quote.at <= maxPriceAgeMs
          ? { price: quote.price, at: quote.at }
          : fromOptions.get(underlyingKey(s.position));
      const contract = marketDataContract(s.position, this.resolver.get(s.conId));
      if (!underlying || !contract.ok) continue;
      candidates.push({
        conId: s.conId,
        contract: contract.value,
        volatility: s.impliedVol,
        volatilityAt: s.computedAt,
        underlyingPrice: underlying.price,
        marketDataType: s.valueType,
      });
    }
    return candidates;
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
      pvDividend: s.pvDividend,
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
    let rotating = 0;
    let neverRefreshed = 0;
    let oldestTurn = Infinity;
    for (const s of this.subscriptions.values()) {
      if (hasLine(s)) linesInUse++;
      else if (s.status === 'over_budget') overBudget.push(s.conId);
      else if (s.status === 'failed') failed.push(s.conId);
      if (this.rotationLines === null || s.kind !== 'greeks' || s.status === 'failed') continue;
      rotating++;
      if (s.lastTurnAt === 0) neverRefreshed++;
      else oldestTurn = Math.min(oldestTurn, s.lastTurnAt);
    }
    const rotation =
      this.rotationLines === null
        ? null
        : {
            options: rotating,
            lines: this.rotationLines,
            neverRefreshed,
            oldestTurnAgeMs: Number.isFinite(oldestTurn) ? Math.round(this.monotonic() - oldestTurn) : null,
          };
    return { requestedType: this.requestedType, linesInUse, overBudget, failed, rotation };
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
      subscription.lineSince = 0;
    }
  }

  /**
   * After a 101, once no request is queued and no other 101 came for a moment, the lines still requested are the ones
   * the gateway granted: they become the budget. Counting at the first 101 would also count requests already on their
   * way to be refused, and lines given back meanwhile would make the next count too low.
   */
  private scheduleGatewayLimit(): void {
    if (this.gatewayLimitCheck !== null) clearTimeout(this.gatewayLimitCheck);
    this.gatewayLimitCheck = setTimeout(() => {
      this.gatewayLimitCheck = null;
      const session = this.session;
      if (!session?.isReady()) return;
      if (session.pendingRequests() > 0) {
        this.scheduleGatewayLimit();
        return;
      }
      let granted = 0;
      for (const s of this.subscriptions.values()) if (s.status === 'requested') granted++;
      if (this.gatewayLimit !== null && granted >= this.gatewayLimit) return;
      this.gatewayLimit = granted;
      this.reconcile();
      this.scheduleBudgetRetry();
    }, GATEWAY_LIMIT_SETTLE_MS);
    this.gatewayLimitCheck.unref();
  }

  /** Tries the configured budget again later; each refusal after a retry doubles the wait (MAX_BUDGET_RETRY_MS). */
  private scheduleBudgetRetry(): void {
    if (this.budgetRetry !== null) clearTimeout(this.budgetRetry);
    const waitMs = this.budgetRetryMs;
    this.budgetRetryMs = Math.min(MAX_BUDGET_RETRY_MS, waitMs * 2);
    this.budgetRetry = setTimeout(() => {
      this.budgetRetry = null;
      if (!this.session?.isReady() || this.gatewayLimit === null) return;
      this.gatewayLimit = null;
      this.reconcile();
    }, waitMs);
    this.budgetRetry.unref();
  }

  private heardFrom(subscription: Subscription): void {
    subscription.heard = true;
    subscription.silentRetries = 0;
  }

  /** Lines whose request left silentLineMs (doubling per retry) ago and heard nothing are asked again, fresh id. */
  private askSilentLinesAgain(): void {
    if (!this.session?.isReady()) return;
    const now = this.monotonic();
    for (const subscription of this.subscriptions.values()) {
      if (subscription.status !== 'requested' || subscription.heard || subscription.sentAt === 0) continue;
      const waitMs = Math.min(MAX_SILENT_LINE_MS, this.silentLineMs * 2 ** subscription.silentRetries);
      if (now - subscription.sentAt < waitMs) continue;
      subscription.silentRetries++;
      this.events.emit({
        type: 'error',
        message: `no market data for ${subscription.position.localSymbol} ${Math.round((now - subscription.sentAt) / 1000)} s after its request (a gateway drops requests it refuses for pacing); asked again`,
        details: { conId: subscription.conId, reqId: subscription.reqId, retries: subscription.silentRetries },
      });
      const retries = subscription.silentRetries;
      this.cancel(subscription);
      this.start(subscription);
      subscription.silentRetries = retries;
    }
  }

  /** Lines this adapter may use: the configured budget, or fewer when the gateway said so (101). */
  private budget(): number {
    return Math.min(this.maxLines, this.gatewayLimit ?? Infinity);
  }

  /**
   * More options and held prices than lines: the options must take turns. The benchmark does not count: it only
   * feeds the beta-weighted figure, so it is the one left without a line when it alone does not fit.
   */
  private needsRotation(): boolean {
    let wanted = 0;
    for (const s of this.subscriptions.values()) {
      if (s.status !== 'failed' && !s.underlyingOnly && s.conId !== BENCHMARK_KEY) wanted++;
    }
    return wanted > this.budget();
  }

  /**
   * The underlyings, by conId, that need a price line of their own: every option's while the options take turns,
   * else those of options whose computations carry no underlying price. An option whose underlying is not known yet
   * (a stock option's position event does not name it) has its contract details asked for: one option per underlying
   * symbol, since the broker gives the answer to every option on that symbol.
   */
  private underlyingsToStream(everyOption: boolean): Map<number, Position> {
    const wanted = new Map<number, Position>();
    const lookedUp = new Set<string>();
    for (const s of this.subscriptions.values()) {
      if (s.kind !== 'greeks' || (!everyOption && !s.lacksUnderlyingPrice)) continue;
      const option = s.position;
      const conId = option.underlyingConId;
      if (conId === undefined) {
        const group = underlyingGroup(option);
        if (!lookedUp.has(group) && this.session?.isReady()) this.resolver.request(this.session, option.conId);
        lookedUp.add(group);
        continue;
      }
      const held = this.subscriptions.get(conId);
      if ((held && !held.underlyingOnly) || wanted.has(conId)) continue;
      wanted.set(conId, underlyingPosition(option, conId, this.resolver.get(option.conId)?.underlyingSecType ?? null));
    }
    return wanted;
  }

  private allocate(): void {
    if (!this.session?.isReady()) return;
    if (this.needsRotation()) this.allocateWithRotation();
    else this.allocateOneLineEach();
  }

  /** Gives the first maxLines subscriptions (options first, biggest first) a line; the rest wait. */
  private allocateOneLineEach(): void {
    this.endRotation();
    const budget = this.budget();
    const granted: Subscription[] = [];
    const left: number[] = [];
    let overBudget = 0;
    for (const subscription of [...this.subscriptions.values()].sort(compareForBudget)) {
      if (subscription.status === 'failed') continue;
      if (granted.length < budget) {
        granted.push(subscription);
        continue;
      }
      this.cancel(subscription);
      subscription.status = 'over_budget';
      overBudget++;
      if (left.length < 20) left.push(subscription.conId);
    }
    // Cancels go out before requests, so the gateway never counts more lines than the budget.
    for (const subscription of granted) if (!hasLine(subscription)) this.start(subscription);
    this.reportOverBudget(overBudget, granted.length, left);
  }

  /**
   * Price lines (every underlying, the held stocks and futures) first, biggest first; the benchmark next if that
   * still leaves the options a line; the options share what is left and take turns on it.
   */
  private allocateWithRotation(): void {
    const budget = this.budget();
    const prices = [...this.subscriptions.values()].filter((s) => s.kind === 'price').sort(comparePricesFirst);
    const granted: Subscription[] = [];
    const left: number[] = [];
    let overBudget = 0;
    const refuse = (subscription: Subscription) => {
      this.cancel(subscription);
      subscription.status = 'over_budget';
      overBudget++;
      if (left.length < 20) left.push(subscription.conId);
    };
    for (const subscription of prices) {
      if (subscription.status === 'failed') continue;
      const room = subscription.conId === BENCHMARK_KEY ? budget - 1 : budget;
      if (granted.length < room) granted.push(subscription);
      else refuse(subscription);
    }
    const lines = budget - granted.length;
    const options = [...this.subscriptions.values()].filter((s) => s.kind === 'greeks' && s.status !== 'failed');
    // Options beyond their share give their lines back first (longest turns first), before any price line is asked for.
    const onLine = options.filter(hasLine).sort((a, b) => a.lineSince - b.lineSince);
    for (let i = 0; i < onLine.length - lines; i++) {
      this.cancel(onLine[i]);
      onLine[i].status = 'waiting_turn';
    }
    for (const subscription of granted) if (!hasLine(subscription)) this.start(subscription);
    for (const subscription of options) {
      if (lines === 0) refuse(subscription);
      else if (!hasLine(subscription)) subscription.status = 'waiting_turn';
    }
    this.reportOverBudget(overBudget, granted.length + lines, left);
    this.rotationLines = lines;
    this.announceRotation(options.length, lines);
    this.rotate();
    if (lines > 0 && this.rotationTimer === null) {
      this.rotationTickAt = this.monotonic();
      this.rotationTimer = setInterval(() => this.rotate(), ROTATION_TICK_MS);
      this.rotationTimer.unref();
    }
  }

  /** One step of the rotation: free lines filled, done turns handed on, within the change budget earned so far. */
  private rotate(): void {
    const session = this.session;
    const lines = this.rotationLines;
    if (!session?.isReady() || lines === null || lines === 0) return;
    const now = this.monotonic();
    const perMs = this.rotation.changesPerSecond / 1000;
    this.rotationCredit = Math.min(
      this.rotation.changesPerSecond,
      this.rotationCredit + (now - this.rotationTickAt) * perMs,
    );
    this.rotationTickAt = now;
    if (session.pendingRequests() > ROTATION_MAX_BACKLOG) return;
    const members: RotationMember[] = [];
    for (const s of this.subscriptions.values()) {
      if (s.kind !== 'greeks' || (s.status !== 'waiting_turn' && !hasLine(s))) continue;
      members.push({
        key: s.conId,
        onLineSince: hasLine(s) ? s.lineSince : null,
        refreshed: s.refreshedOnLine,
        lastTurnAt: s.lastTurnAt,
        priority: s.priority,
      });
    }
    const plan = planRotation(members, lines, now, Math.floor(this.rotationCredit), this.rotation);
    for (const conId of plan.release) {
      const subscription = this.subscriptions.get(conId)!;
      this.cancel(subscription);
      subscription.status = 'waiting_turn';
    }
    // Each release is one change; lines that were free cost none.
    this.rotationCredit -= Math.min(plan.release.length, plan.start.length);
    for (const conId of plan.start) {
      const subscription = this.subscriptions.get(conId)!;
      subscription.status = 'idle';
      subscription.lastTurnAt = now;
      this.start(subscription);
    }
  }

  private announceRotation(options: number, lines: number): void {
    const key = `${options}/${lines}`;
    if (key === this.rotationAnnounced) return;
    this.rotationAnnounced = key;
    this.events.emit({
      type: 'line_budget_exceeded',
      message:
        lines > 0
          ? `${options} options take turns on ${lines} market-data lines (budget ${this.budget()}, the rest stream underlying prices); between turns their Greeks come from the local model`
          : `no market-data line is left for ${options} options (budget ${this.budget()}, all taken by price lines); their Greeks are missing`,
      details: { maxLines: this.budget(), rotatingOptions: options, rotationLines: lines },
    });
  }

  private endRotation(): void {
    this.stopRotationTimer();
    this.rotationLines = null;
    this.rotationAnnounced = '';
  }

  private stopRotationTimer(): void {
    if (this.rotationTimer !== null) clearInterval(this.rotationTimer);
    this.rotationTimer = null;
  }

  private reportOverBudget(overBudget: number, used: number, left: number[]): void {
    if (overBudget !== this.overBudgetCount) {
      this.overBudgetCount = overBudget;
      if (overBudget > 0) {
        this.events.emit({
          type: 'line_budget_exceeded',
          message: `${overBudget} positions have no market-data line (budget ${this.budget()}); their Greeks are missing`,
          details: { maxLines: this.budget(), wanted: used + overBudget, unsubscribed: overBudget, conIds: left },
        });
      }
    }
  }

  private start(subscription: Subscription): void {
    const session = this.session;
    if (!session?.isReady()) return;
    if (subscription.computedAt > 0 || subscription.priceAt > 0) subscription.stale = true;
    subscription.lineSince = this.monotonic();
    subscription.refreshedOnLine = false;
    subscription.modelStopped = false;
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
    subscription.sentAt = 0;
    subscription.heard = false;
    session.send((api) => {
      if (subscription.reqId === reqId) subscription.sentAt = this.monotonic();
      api.reqMktData(reqId, contract.value, '', false, false);
    });
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
    subscription.lineSince = 0;
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
    underlyingOnly: false,
    lineSince: 0,
    refreshedOnLine: false,
    lastTurnAt: 0,
    sentAt: 0,
    heard: false,
    silentRetries: 0,
    reqId: null,
    requestedType: null,
    reportedType: null,
    sawModelTick: false,
    stale: false,
    notComputedSeen: false,
    lacksUnderlyingPrice: false,
    modelStopped: false,
    delta: null,
    gamma: null,
    vega: null,
    theta: null,
    impliedVol: null,
    underlyingPrice: null,
    optionPrice: null,
    pvDividend: null,
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
