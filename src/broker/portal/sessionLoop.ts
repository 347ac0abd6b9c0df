import { Backoff } from '../plumbing/backoff';
import type { EventHub } from '../plumbing/eventHub';
import type { BrokerLogger } from '../plumbing/logger';
import type { PortalRequestError } from './httpClient';
import type { MarketDataPoller } from './marketDataPoller';
import type { PositionsPoller } from './positionsPoller';
import type { RateLimiter } from './rateLimiter';
import { problemFromError, type SessionKeeper, type SessionProblem } from './sessionKeeper';
import { AUTH_PROBLEMS, type SessionStatus } from './sessionStatus';

/** A batch that included never-requested conids only started their streams (pre-flight): ask again soon. */
const PREFLIGHT_FOLLOW_UP_MS = 250;

/** Whether the next pass must check the gateway's session first. */
type SessionCheck =
  /** noBridge: a data call was refused with "no bridge", so the brokerage session is initialised again. */
  | { kind: 'due'; noBridge?: SessionProblem; rechecked401: boolean }
  | { kind: 'verified'; repairedByAdapter: boolean; rechecked401: boolean };
// rechecked401: a data call's 401 already bought one immediate session check; the next 401 before the adapter is
// ready again is reported, so a gateway that says "fine" to auth status and 401 to data cannot spin the loop.

export interface SessionLoopOptions {
  snapshotPollIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface SessionLoopParts {
  status: SessionStatus;
  keeper: SessionKeeper;
  limiter: RateLimiter;
  positions: PositionsPoller;
  marketData: MarketDataPoller;
  events: EventHub;
  logger: BrokerLogger;
}

/**
 * The adapter's one loop: session → accounts → positions → snapshot poll, each pass scheduling the next; failures are
 * classified into session problems and retried with backoff.
 */
export class PortalSessionLoop {
  /** Bumped by reconnect() and stop(): a pass of an older generation does not schedule another. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private check: SessionCheck = { kind: 'due', rechecked401: false };
  private readonly backoff: Backoff;

  constructor(
    private readonly options: SessionLoopOptions,
    private readonly parts: SessionLoopParts,
  ) {
    this.backoff = new Backoff(options.retryInitialMs, options.retryMaxMs);
  }

  start(): void {
    if (this.parts.status.running()) return;
    this.parts.status.start();
    this.schedule(0);
    this.startTickling();
  }

  async reconnect(reason: string): Promise<void> {
    const { status, events, positions, marketData } = this.parts;
    events.emit({ type: 'reconnect', message: `reconnecting: ${reason}`, details: { reason } });
    this.halt();
    this.check = this.unverified();
    positions.dropSession();
    marketData.dropSession();
    marketData.forgetStreams();
    if (!status.running()) return;
    status.restart();
    this.startTickling();
    await this.pass(this.generation, true);
  }

  /** Stops scheduling passes and tickles; the caller then closes the transport and reports the stop. */
  halt(): void {
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.parts.keeper.stopTickling();
  }

  /** A 429 from any call: the limiter already pauses every request; say so and show the data as aging. */
  rateLimited(endpoint: string, pauseMs: number): void {
    const { status, limiter } = this.parts;
    if (!status.running()) return;
    const reason =
      `429 from ${endpoint}: over IBKR's request limits (penalty box); sending nothing for ${pauseMs} ms` +
      (limiter.consecutiveRateLimits() > 1 ? ', again: repeat offenders may be blocked' : '');
    status.penalty(reason, endpoint, pauseMs);
  }

  private startTickling(): void {
    this.parts.keeper.startTickling({
      sessionVerified: () => this.check.kind === 'verified',
      lost: (problem) => {
        this.check = this.unverified();
        this.fail(problem);
      },
    });
  }

  private schedule(delayMs: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => void this.pass(generation, true), delayMs);
  }

  private async pass(generation: number, reschedule: boolean): Promise<void> {
    let delay: number;
    try {
      delay = await this.step();
    } catch (error) {
      delay = this.handleFailure(error);
    }
    if (reschedule && this.parts.status.running() && generation === this.generation) this.schedule(delay);
  }

  /** One pass; returns the delay before the next. Throws PortalRequestError on a failed call. */
  private async step(): Promise<number> {
    const { keeper, status, positions, marketData } = this.parts;
    if (this.check.kind === 'due') {
      const result = await keeper.establish(this.check.noBridge);
      if (!result.healthy) return this.fail(result.problem);
      // The gateway answers and the session holds: a data call that failed since was a blip, not an outage, and
      // must not leave the next attempt tens of seconds away (the backoff grows only while this check fails).
      this.backoff.reset();
      status.reachable();
      // The loss was found and repaired in one pass: still report it, so auth_lost / reauthenticated pair up.
      if (result.repaired) this.recordProblem(result.repairedFrom);
      this.check = { kind: 'verified', repairedByAdapter: result.repaired, rechecked401: this.check.rechecked401 };
      positions.sessionStarted();
    }
    const missingAccount = await positions.readAccountsIfNeeded();
    if (missingAccount) {
      this.fail(missingAccount);
      return this.options.retryMaxMs;
    }
    await marketData.readBrokerageAccountsIfNeeded();
    await marketData.lookUpBenchmarkIfNeeded();
    await positions.refreshIfDue();
    const { preflight, acknowledgementMissing } = await marketData.poll();
    if (acknowledgementMissing.length > 0) return this.fail(acknowledgementProblem(acknowledgementMissing));
    // Ready once every conid's data has arrived (fields trickle in over seconds and several polls after the
    // pre-flight), or has been waited for long enough: then the gap shows in coverage instead of holding readiness.
    const arriving = status.connection() === 'ready' ? [] : marketData.stillArriving();
    if (arriving.length > 0) status.explain(`waiting for the first market data of ${arriving.length} conid(s)`);
    if (!preflight && status.connection() !== 'ready' && arriving.length === 0) this.markReady();
    return preflight || arriving.length > 0
      ? Math.min(PREFLIGHT_FOLLOW_UP_MS, this.options.snapshotPollIntervalMs)
      : this.options.snapshotPollIntervalMs;
  }

  private handleFailure(error: unknown): number {
    if (!this.parts.status.running()) return this.options.retryMaxMs;
    const problem = problemFromError(error);
    if (problem.kind === 'rate_limited') return Math.max(this.parts.limiter.pauseRemainingMs(), 50);
    if (problem.kind === 'bad_answer') {
      this.parts.events.emit({
        type: 'bad_input',
        message: problem.reason,
        details: { endpoint: (error as PortalRequestError).endpoint },
      });
      return this.options.snapshotPollIntervalMs;
    }
    const unverified = this.unverified();
    this.check = problem.noBridge ? { ...unverified, noBridge: problem } : unverified;
    if (problem.kind === 'brokerage_lost' || problem.kind === 'competing') {
      this.parts.marketData.forgetBrokerageAccounts();
    }
    if (problem.status === 401 && !this.check.rechecked401) {
      // A 401 on a data call says "some session is gone", not which: ask auth status right away before reporting.
      this.check = { ...this.check, rechecked401: true };
      return 0;
    }
    return this.fail(problem);
  }

  /** Records a problem, moves the state, emits one event per change of problem; returns the retry delay. */
  private fail(problem: SessionProblem): number {
    if (!this.parts.status.running()) return this.options.retryMaxMs;
    if (problem.kind === 'rate_limited') return Math.max(this.parts.limiter.pauseRemainingMs(), 50);
    this.recordProblem(problem);
    // A garbled answer still proves the gateway is up: retry at the first step instead of backing off further.
    if (problem.kind === 'bad_answer') this.backoff.reset();
    const delay = problem.kind === 'bad_answer' ? this.backoff.peek() : this.backoff.next();
    // Repeats of the same problem emit no event: say at debug level what the loop is waiting out.
    this.parts.logger.debug({ kind: problem.kind, retryInMs: delay }, `portal pass failed: ${problem.reason}`);
    return delay;
  }

  private recordProblem(problem: SessionProblem): void {
    const { positions, marketData, status } = this.parts;
    // A network blip keeps the gateway's read-only session (and /portfolio/accounts costs a 5 s limit slot);
    // a new login, or the gateway complaining about call order, needs the accounts read again.
    if (problem.kind === 'no_session' || (problem.status === 400 && !problem.noBridge)) positions.forgetAccounts();
    marketData.forgetBrokerageAccounts();
    // A new brokerage session starts with no streams: every conid goes through the pre-flight again.
    if (AUTH_PROBLEMS.has(problem.kind) || problem.kind === 'outage') marketData.forgetStreams();
    status.failed(problem);
  }

  private markReady(): void {
    if (this.check.kind !== 'verified' || !this.parts.status.running()) return;
    this.backoff.reset();
    this.check = { ...this.check, rechecked401: false };
    this.parts.status.ready(this.check.repairedByAdapter, this.parts.positions.tracked());
  }

  /** The session must be checked again; what the last check left to do is kept. */
  private unverified(): SessionCheck & { kind: 'due' } {
    return this.check.kind === 'due' ? { ...this.check } : { kind: 'due', rechecked401: this.check.rechecked401 };
  }
}

function acknowledgementProblem(conIds: number[]): SessionProblem {
  return {
    kind: 'market_data_ack',
    reason:
      `IBKR withholds market data for ${conIds.length} conid(s) (6509 "O"): the annual market data API ` +
      'acknowledgement is not signed. Log in to the Client Portal web site as this user and sign it; data then flows ' +
      'without a restart',
  };
}
