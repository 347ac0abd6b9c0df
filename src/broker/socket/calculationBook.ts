import type { Contract } from '@stoqey/ib';
import type { MarketDataType, OptionGreeks } from '../types';
import type { Clock } from '../plumbing/clock';
import type { EventHub } from '../plumbing/eventHub';
import type { RequestIds, Session } from './session';

/**
 * IBKR's tick type for the answer to calculateOptionPrice / calculateImpliedVolatility (CUST_OPTION_COMPUTATION in
 * the TWS API's tick-type list); streaming lines use 10-13 / 80-83 instead.
 */
export const CUSTOM_OPTION_COMPUTATION = 53;

/** An in-flight calculation that has had no answer for this long is given up (and its conId may be asked again). */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

export interface CalculationSettings {
  /** Calculations awaiting an answer at once, across all options; further requests are dropped. */
  maxInFlight: number;
  /**
   * An option is not asked again sooner than this after its last answer (a value, "not computed", garbage or an
   * error) or after its request was given up as unanswered.
   */
  minIntervalPerOptionMs: number;
  /** Default DEFAULT_ANSWER_TIMEOUT_MS. */
  answerTimeoutMs?: number;
}

export interface CalculationInputs {
  /** Annualised volatility as a fraction (0.3 = 30 %). */
  volatility: number;
  underlyingPrice: number;
  /** When the volatility was observed; becomes the value's ivAt. */
  volatilityAt?: number;
  /** What kind of data the inputs are (the value is labelled with it); default 'live'. */
  marketDataType?: MarketDataType;
}

export interface CalculationStats {
  inFlight: number;
  sent: number;
  answered: number;
  /** Answers carrying IB's "not computed" sentinels instead of Greeks. */
  notComputed: number;
  /** Requests answered with an error. */
  refused: number;
  /** Requests not sent because maxInFlight calculations were already awaiting an answer. */
  dropped: number;
  timedOut: number;
}

interface Pending {
  conId: number;
  session: Session;
  sentAt: number;
  volatilityAt: number | undefined;
  marketDataType: MarketDataType;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function finiteOrNull(value: unknown): number | null {
  return isFiniteNumber(value) ? value : null;
}

function isGarbage(value: unknown): boolean {
  return typeof value === 'number' && Number.isNaN(value);
}

function positive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

/**
 * Greeks IB computes on request: calculateOptionPrice(reqId, contract, volatility, underPrice) is answered by one
 * tickOptionComputation of tick type 53 with IB's own model values at those inputs (TWS API, "Option Computations").
 * It needs no market-data line, which makes it the stand-in for options whose line carries no computation.
 *
 * Requests are rationed: one in flight per option, none sooner than minIntervalPerOptionMs after the option's last
 * answer, at most maxInFlight in all. Each answered request is cancelled, as IBKR's samples do, so the gateway does
 * not keep computing it; request ids are never reused, so a late answer is simply not wanted. Any error on a
 * calculation's id ends it (IBKR does not say which codes, if any, are warnings for these requests).
 */
export class CalculationBook {
  private readonly pending = new Map<number, Pending>();
  private readonly pendingConIds = new Set<number>();
  private readonly lastAnswerAt = new Map<number, number>();
  private readonly values = new Map<number, OptionGreeks>();
  /** The error code last reported per conId: a repeat is not reported again until the option gets a value. */
  private readonly reportedError = new Map<number, number>();
  private readonly counts = { sent: 0, answered: 0, notComputed: 0, refused: 0, dropped: 0, timedOut: 0 };
  private readonly answerTimeoutMs: number;

  constructor(
    private readonly ids: RequestIds,
    private readonly events: EventHub,
    private readonly clock: Clock,
    private readonly settings: CalculationSettings,
  ) {
    this.answerTimeoutMs = settings.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  }

  /**
   * Asks IB for the option's Greeks at these inputs. Returns false when nothing was sent: inputs not positive, the
   * session not ready, one already in flight for the option, its last answer too recent, or maxInFlight reached.
   */
  request(session: Session, conId: number, contract: Contract, inputs: CalculationInputs): boolean {
    this.giveUpOverdue();
    if (!positive(inputs.volatility) || !positive(inputs.underlyingPrice)) return false;
    if (!session.isReady() || this.pendingConIds.has(conId)) return false;
    const now = this.clock();
    const last = this.lastAnswerAt.get(conId);
    if (last !== undefined && now - last < this.settings.minIntervalPerOptionMs) return false;
    if (this.pending.size >= this.settings.maxInFlight) {
      this.counts.dropped++;
      return false;
    }
    const reqId = this.ids.take();
    this.pending.set(reqId, {
      conId,
      session,
      sentAt: now,
      volatilityAt: inputs.volatilityAt,
      marketDataType: inputs.marketDataType ?? 'live',
    });
    this.pendingConIds.add(conId);
    this.counts.sent++;
    session.send((api) => api.calculateOptionPrice(reqId, contract, inputs.volatility, inputs.underlyingPrice));
    return true;
  }

  /** True only for this book's calculations awaiting an answer, and only for tick type 53. */
  wantsOptionComputation(reqId: number, field: number): boolean {
    return field === CUSTOM_OPTION_COMPUTATION && this.pending.has(reqId);
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
    const request = this.settle(reqId);
    if ([impliedVol, delta, optionPrice, gamma, vega, theta, underlyingPrice].some(isGarbage)) {
      this.events.badInput('option calculation with non-numeric values', { conId: request.conId, reqId });
      return;
    }
    // IB's "not computed" sentinels (-1 / -2, Double.MAX) arrive from @stoqey/ib as undefined.
    if (!(isFiniteNumber(delta) && isFiniteNumber(gamma) && isFiniteNumber(vega) && isFiniteNumber(theta))) {
      this.counts.notComputed++;
      return;
    }
    this.counts.answered++;
    this.reportedError.delete(request.conId);
    this.values.set(request.conId, {
      conId: request.conId,
      delta,
      gamma,
      vega,
      theta,
      impliedVol: finiteOrNull(impliedVol),
      underlyingPrice: finiteOrNull(underlyingPrice),
      optionPrice: finiteOrNull(optionPrice),
      computedAt: this.clock(),
      marketDataType: request.marketDataType,
      stale: false,
      source: 'ib_calculation',
      ...(request.volatilityAt !== undefined ? { ivAt: request.volatilityAt } : {}),
    });
  }

  /** Returns false when the request id is not one of this book's calculations. */
  onRequestError(reqId: number, code: number, message: string): boolean {
    const request = this.pending.get(reqId);
    if (!request) return false;
    this.settle(reqId, false);
    this.counts.refused++;
    // A refusing gateway refuses every retry: one event per option and code, not one per minIntervalPerOptionMs.
    if (this.reportedError.get(request.conId) === code) return true;
    this.reportedError.set(request.conId, code);
    this.events.emit({
      type: 'error',
      code,
      message: `option calculation for conId ${request.conId} refused: ${message}`,
      details: { conId: request.conId, reqId },
    });
    return true;
  }

  latest(conId: number): OptionGreeks | undefined {
    const value = this.values.get(conId);
    return value ? { ...value } : undefined;
  }

  /** Calculations sent on a dead session are never answered; their options may be asked again at once. */
  onSessionLost(): void {
    this.pending.clear();
    this.pendingConIds.clear();
  }

  stats(): CalculationStats {
    return { inFlight: this.pending.size, ...this.counts };
  }

  /** Ends a calculation: no longer wanted, its option throttled from now, and (unless refused) cancelled at IB. */
  private settle(reqId: number, cancel = true): Pending {
    const request = this.pending.get(reqId)!;
    this.pending.delete(reqId);
    this.pendingConIds.delete(request.conId);
    this.lastAnswerAt.set(request.conId, this.clock());
    if (cancel) request.session.send((api) => api.cancelCalculateOptionPrice(reqId));
    return request;
  }

  private giveUpOverdue(): void {
    const now = this.clock();
    for (const [reqId, request] of this.pending) {
      if (now - request.sentAt < this.answerTimeoutMs) continue;
      this.settle(reqId);
      this.counts.timedOut++;
    }
  }
}
