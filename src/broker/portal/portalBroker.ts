import type {
  Broker,
  BrokerEventListener,
  BrokerSnapshot,
  ConnectionState,
  ExchangeRates,
  OptionGreeks,
  Position,
  PriceQuote,
} from '../types';
import { lookUpBenchmarkConId } from './benchmarkLookup';
import { PortalEventHub, silentLogger, type Clock, type PortalLogger } from './events';
import { SNAPSHOT_FIELDS } from './fieldParsing';
import { PortalHttpClient, PortalRequestError } from './httpClient';
import { loadLedgerRates } from './ledger';
import { combinedType, MarketDataStore } from './marketData';
import { resolvePortalOptions, type PortalBrokerOptions, type ResolvedPortalOptions } from './options';
import { ContractMultipliers } from './contractMultipliers';
import { loadPositions } from './positions';
import { RateLimiter } from './rateLimiter';
import { problemFromError, SessionKeeper, type SessionProblem, type SessionProblemKind } from './sessionKeeper';
import { createTlsAgent, type TlsAgent } from './tls';

/** Runs the Client Portal adapter: see docs/portal.md. Throws at once on unusable options (e.g. unreadable CA file). */
export function createPortalBroker(options: PortalBrokerOptions = {}): Broker {
  return new PortalBroker(options);
}

const AUTH_PROBLEMS: ReadonlySet<SessionProblemKind> = new Set(['no_session', 'brokerage_lost', 'competing']);
const STATE_BY_PROBLEM: Record<SessionProblemKind, ConnectionState> = {
  unreachable: 'down',
  tls: 'down',
  account: 'down',
  no_session: 'connecting',
  brokerage_lost: 'degraded',
  competing: 'degraded',
  outage: 'degraded',
  rate_limited: 'degraded',
  bad_answer: 'degraded',
  // No data until a human acts: 'down' is what the human_needed alert watches.
  market_data_ack: 'down',
};
/** A batch that included never-requested conids only started their streams (pre-flight): ask again soon. */
const PREFLIGHT_FOLLOW_UP_MS = 250;

interface ReadyWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class PortalBroker implements Broker {
  readonly mode = 'PORTAL' as const;
  private readonly options: ResolvedPortalOptions;
  private readonly clock: Clock;
  private readonly logger: PortalLogger;
  private readonly tls: TlsAgent;
  private readonly limiter: RateLimiter;
  private readonly http: PortalHttpClient;
  private readonly session: SessionKeeper;
  private readonly events: PortalEventHub;
  private readonly store = new MarketDataStore();
  private readonly multipliers: ContractMultipliers;

  private running = false;
  private generation = 0;
  private connection: ConnectionState = 'down';
  private problem: SessionProblem | undefined;
  private lastReason = 'not started';
  private reachable = false;
  private sessionOk = false;
  private repairedByAdapter = false;
  private recheckingAfter401 = false;
  /** Set by a "no bridge" refusal: the next session check initialises the brokerage session. */
  private noBridge: SessionProblem | undefined;
  private portfolioPrimed = false;
  private iserverPrimed = false;
  private knownAccounts: string[] = [];
  private trackedAccounts: string[] = [];
  private readonly positionsByAccount = new Map<string, Position[]>();
  private readonly ratesByAccount = new Map<string, ExchangeRates>();
  /** undefined: not looked up in this session yet; null: the gateway knows no such stock. */
  private benchmarkConId: number | null | undefined;
  private positionsDueAt = 0;
  /** Every page of every tracked account has been read since the current session started. */
  private positionsComplete = false;
  /** conid → wall-clock ms of its pre-flight in this brokerage session. */
  private readonly requestedConIds = new Map<number, number>();
  /** Underlying symbols looked up with /iserver/secdef/search in this brokerage session. */
  private readonly searchedSymbols = new Set<string>();
  private readonly reportedRejections = new Set<string>();
  private retryDelayMs: number;
  private loopTimer: NodeJS.Timeout | undefined;
  private tickleTimer: NodeJS.Timeout | undefined;
  private insecureWarned = false;
  private readonly waiters = new Set<ReadyWaiter>();

  constructor(options: PortalBrokerOptions) {
    this.options = resolvePortalOptions(options);
    this.clock = options.clock ?? { now: Date.now };
    this.logger = options.logger ?? silentLogger;
    this.events = new PortalEventHub(this.clock, this.logger, () => this.options.account);
    this.tls = createTlsAgent(this.options);
    this.limiter = new RateLimiter(this.options.rateLimit);
    this.http = new PortalHttpClient({
      baseUrl: this.options.baseUrl,
      tls: this.tls,
      limiter: this.limiter,
      timeoutMs: this.options.requestTimeoutMs,
      onRateLimited: (endpoint, pauseMs) => {
        if (!this.running) return;
        const reason =
          `429 from ${endpoint}: over IBKR's request limits (penalty box); sending nothing for ${pauseMs} ms` +
          (this.limiter.consecutiveRateLimits() > 1 ? ', again: repeat offenders may be blocked' : '');
        // Degraded for the pause: the data held is aging and nothing can refresh it.
        this.problem = { kind: 'rate_limited', reason, status: 429 };
        this.lastReason = reason;
        this.setConnection('degraded');
        this.events.emit('rate_limited', reason, { endpoint, pauseMs }, 429);
      },
    });
    this.session = new SessionKeeper({
      http: this.http,
      takeOverCompetingSession: this.options.takeOverCompetingSession,
    });
    this.retryDelayMs = this.options.retryInitialMs;
    this.multipliers = new ContractMultipliers(this.http);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.warnIfInsecure();
    this.setConnection('connecting');
    this.events.emit('connecting', `connecting to Client Portal at ${this.options.baseUrl}`, {
      tlsVerification: this.tls.verification,
    });
    this.schedule(0);
    this.scheduleTickle();
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.connection === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: ReadyWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`PORTAL not ready after ${timeoutMs} ms: ${this.lastReason}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  state(): ConnectionState {
    return this.connection;
  }

  accounts(): string[] {
    return [...this.knownAccounts];
  }

  snapshot(account: string): BrokerSnapshot {
    const now = this.clock.now();
    const staleBefore = now - this.options.staleAfterMs;
    const positions = (this.positionsByAccount.get(account) ?? []).map((position) => ({ ...position }));
    const greeks: Record<number, OptionGreeks> = {};
    const underlyingPrices: Record<number, PriceQuote> = {};
    for (const position of positions) {
      const underlyingQuote =
        position.underlyingConId !== undefined ? this.store.price(position.underlyingConId) : undefined;
      if (underlyingQuote && position.underlyingConId !== undefined) {
        underlyingPrices[position.underlyingConId] = underlyingQuote;
      }
      if (position.secType !== 'OPT' && position.secType !== 'FOP') continue;
      const entry = this.store.greeks(position.conId, staleBefore);
      if (!entry) continue;
      entry.underlyingPrice = underlyingQuote?.price ?? null;
      // Dollar figures are built on the underlying price: a previous close there makes them a close too.
      if (underlyingQuote) entry.marketDataType = combinedType([entry.marketDataType, underlyingQuote.marketDataType]);
      if (this.connection !== 'ready') entry.stale = true;
      greeks[position.conId] = entry;
    }
    return {
      account,
      mode: 'PORTAL',
      takenAt: now,
      connection: this.connection,
      positions,
      greeks,
      underlyingPrices,
      pnl: null,
      marketDataType: this.store.prevailingType(),
      exchangeRates: this.ratesByAccount.get(account) ?? { baseCurrency: null, rates: {} },
      ...(this.options.betaBenchmark ? { benchmark: this.benchmarkQuote(this.options.betaBenchmark) } : {}),
      positionsComplete: this.positionsComplete,
    };
  }

  private benchmarkQuote(symbol: string): BrokerSnapshot['benchmark'] {
    const quote = typeof this.benchmarkConId === 'number' ? this.store.price(this.benchmarkConId) : undefined;
    if (!quote || this.connection !== 'ready') return null;
    // /trsrv/stocks is asked for the US listing, which is quoted in USD.
    return { symbol, currency: 'USD', price: quote.price, at: quote.at, marketDataType: quote.marketDataType };
  }

  async reconnect(reason: string): Promise<void> {
    this.events.emit('reconnect', `reconnecting: ${reason}`, { reason });
    this.generation += 1;
    this.clearTimers();
    this.dropSession();
    this.forgetStreams();
    if (!this.running) return;
    this.setConnection('connecting');
    this.scheduleTickle();
    await this.tick(this.generation, true);
  }

  onEvent(listener: BrokerEventListener): () => void {
    return this.events.on(listener);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    this.clearTimers();
    this.limiter.close();
    this.tls.agent.destroy();
    this.setConnection('down');
    this.lastReason = 'stopped';
    this.events.emit('disconnected', 'PORTAL adapter stopped', { reason: 'stopped' });
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('PORTAL adapter stopped before it was ready'));
    }
    this.waiters.clear();
  }

  // ---- main loop: session → accounts → positions → snapshot poll ----

  private schedule(delayMs: number): void {
    const generation = this.generation;
    this.loopTimer = setTimeout(() => void this.tick(generation, true), delayMs);
  }

  private async tick(generation: number, reschedule: boolean): Promise<void> {
    let delay: number;
    try {
      delay = await this.step();
    } catch (error) {
      delay = this.handleFailure(error);
    }
    if (reschedule && this.running && generation === this.generation) this.schedule(delay);
  }

  /** One pass; returns the delay before the next. Throws PortalRequestError on a failed call. */
  private async step(): Promise<number> {
    if (!this.sessionOk) {
      const result = await this.session.establish(this.noBridge);
      if (!result.healthy) return this.fail(result.problem);
      this.noBridge = undefined;
      // The gateway answers and the session holds: a data call that failed since was a blip, not an outage, and
      // must not leave the next attempt tens of seconds away (the backoff grows only while this check fails).
      this.retryDelayMs = this.options.retryInitialMs;
      this.noteReachable();
      // The loss was found and repaired in one pass: still report it, so auth_lost / reauthenticated pair up.
      if (result.repaired) this.recordProblem(result.repairedFrom);
      this.sessionOk = true;
      this.repairedByAdapter = result.repaired;
      // A new session: the positions read before it may be out of date; read them all again before any row.
      this.positionsComplete = false;
      this.positionsDueAt = 0;
    }
    if (!this.portfolioPrimed) await this.primePortfolio();
    if (!this.iserverPrimed) await this.primeIserver();
    if (this.options.betaBenchmark && this.benchmarkConId === undefined) await this.lookUpBenchmark();
    if (Date.now() >= this.positionsDueAt) await this.refreshPositions();
    const { preflight, acknowledgementMissing } = await this.pollMarketData();
    if (acknowledgementMissing.length > 0) return this.fail(acknowledgementProblem(acknowledgementMissing));
    // Ready once every conid's data has arrived (fields trickle in over seconds and several polls after the
    // pre-flight), or has been waited for long enough: then the gap shows in coverage instead of holding readiness.
    const arriving = this.connection === 'ready' ? undefined : this.dataStillArriving();
    if (!preflight && arriving !== undefined && arriving.length === 0) this.markReady();
    return preflight || (arriving !== undefined && arriving.length > 0)
      ? Math.min(PREFLIGHT_FOLLOW_UP_MS, this.options.snapshotPollIntervalMs)
      : this.options.snapshotPollIntervalMs;
  }

  private handleFailure(error: unknown): number {
    if (!this.running) return this.options.retryMaxMs;
    if (error instanceof AccountMissingError) return this.options.retryMaxMs;
    const problem = problemFromError(error);
    if (problem.kind === 'rate_limited') return Math.max(this.limiter.pauseRemainingMs(), 50);
    if (problem.kind === 'bad_answer') {
      this.events.emit('bad_input', problem.reason, { endpoint: (error as PortalRequestError).endpoint });
      return this.options.snapshotPollIntervalMs;
    }
    this.sessionOk = false;
    if (problem.kind === 'brokerage_lost' || problem.kind === 'competing') this.iserverPrimed = false;
    if (problem.noBridge) this.noBridge = problem;
    if (problem.status === 401 && !this.recheckingAfter401) {
      // A 401 on a data call says "some session is gone", not which: ask auth status right away before reporting.
      this.recheckingAfter401 = true;
      return 0;
    }
    return this.fail(problem);
  }

  /** Records a problem, moves the state, emits one event per change of problem; returns the retry delay. */
  private fail(problem: SessionProblem): number {
    if (!this.running) return this.options.retryMaxMs;
    if (problem.kind === 'rate_limited') return Math.max(this.limiter.pauseRemainingMs(), 50);
    this.recordProblem(problem);
    // A garbled answer still proves the gateway is up: retry at the first step instead of backing off further.
    if (problem.kind === 'bad_answer') this.retryDelayMs = this.options.retryInitialMs;
    const delay = this.retryDelayMs;
    if (problem.kind !== 'bad_answer') this.retryDelayMs = Math.min(this.options.retryMaxMs, this.retryDelayMs * 2);
    // Repeats of the same problem emit no event: say at debug level what the loop is waiting out.
    this.logger.debug({ kind: problem.kind, retryInMs: delay }, `portal pass failed: ${problem.reason}`);
    return delay;
  }

  private recordProblem(problem: SessionProblem): void {
    if (problem.kind !== 'unreachable' && problem.kind !== 'tls') this.noteReachable();
    else this.reachable = false;
    // A network blip keeps the gateway's read-only session (and /portfolio/accounts costs a 5 s limit slot);
    // a new login, or the gateway complaining about call order, needs the accounts primed again.
    if (problem.kind === 'no_session' || (problem.status === 400 && !problem.noBridge)) {
      this.portfolioPrimed = false;
    }
    this.iserverPrimed = false;
    // A new brokerage session starts with no streams: every conid goes through the pre-flight again.
    if (AUTH_PROBLEMS.has(problem.kind) || problem.kind === 'outage') this.forgetStreams();
    this.lastReason = problem.reason;
    const changed = this.problem?.kind !== problem.kind;
    this.problem = problem;
    this.setConnection(STATE_BY_PROBLEM[problem.kind]);
    if (changed) this.emitProblem(problem);
  }

  private emitProblem(problem: SessionProblem): void {
    const details = { kind: problem.kind, ...(problem.status ? { status: problem.status } : {}) };
    if (AUTH_PROBLEMS.has(problem.kind)) this.events.emit('auth_lost', problem.reason, details);
    else if (problem.kind === 'outage') this.events.emit('outage', problem.reason, details, problem.status);
    else if (problem.kind === 'bad_answer') this.events.emit('bad_input', problem.reason, details);
    else if (problem.kind === 'account') this.events.emit('account_not_managed', problem.reason, details);
    else if (problem.kind === 'market_data_ack') this.events.emit('error', problem.reason, details);
    else this.events.emit('disconnected', problem.reason, details);
  }

  private markReady(): void {
    if (!this.sessionOk || !this.running) return;
    this.retryDelayMs = this.options.retryInitialMs;
    this.recheckingAfter401 = false;
    if (this.connection === 'ready') return;
    const previous = this.problem;
    this.problem = undefined;
    this.lastReason = 'ready';
    this.setConnection('ready');
    if (previous && AUTH_PROBLEMS.has(previous.kind)) {
      const by = this.repairedByAdapter ? 'adapter' : 'gateway';
      this.events.emit('reauthenticated', `session restored after ${previous.kind} (by ${by})`, {
        recoveredFrom: previous.kind,
        by,
      });
    }
    this.events.emit('ready', previous ? `ready again after ${previous.kind}` : 'ready', {
      accounts: this.trackedAccounts,
      ...(previous ? { recoveredFrom: previous.kind } : {}),
    });
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.waiters.clear();
  }

  // ---- accounts, positions, market data ----

  private async primePortfolio(): Promise<void> {
    const body = await this.http.get('/portfolio/accounts');
    if (!Array.isArray(body))
      throw new PortalRequestError('invalid_json', '/portfolio/accounts', '/portfolio/accounts: expected an array');
    const ids = body
      .map((row) =>
        row && typeof row === 'object'
          ? ((row as Record<string, unknown>).accountId ?? (row as Record<string, unknown>).id)
          : undefined,
      )
      .filter((id): id is string => typeof id === 'string' && id.length > 0);
    const wanted = this.options.account;
    // Known even when the wanted account is missing: the cycle tells the operator which accounts there are.
    this.knownAccounts = ids;
    if (wanted && !ids.includes(wanted)) {
      this.fail({
        kind: 'account',
        reason: `account ${wanted} is not among the gateway's accounts [${ids.join(', ')}]`,
      });
      throw new AccountMissingError();
    }
    this.trackedAccounts = wanted ? [wanted] : ids;
    this.portfolioPrimed = true;
  }

  private async primeIserver(): Promise<void> {
    const body = (await this.http.get('/iserver/accounts')) as { accounts?: unknown } | null;
    if (!body || !Array.isArray(body.accounts) || body.accounts.length === 0) {
      // The gateway answers {} here while another platform competes for the brokerage session.
      throw new PortalRequestError('http', '/iserver/accounts', '/iserver/accounts listed no accounts', 401);
    }
    this.iserverPrimed = true;
  }

  private async refreshPositions(): Promise<void> {
    for (const account of this.trackedAccounts) {
      const load = await loadPositions(this.http, account);
      this.positionsByAccount.set(account, await this.multipliers.complete(load.positions));
      for (const rejected of load.rejected) {
        const key = `${account}:${rejected.reason}`;
        if (this.reportedRejections.has(key)) continue;
        this.reportedRejections.add(key);
        this.events.emit('bad_input', `position row rejected: ${rejected.reason}`, { account, conId: rejected.conId });
      }
    }
    for (const account of this.trackedAccounts) await this.refreshExchangeRates(account);
    this.positionsComplete = true;
    // Wall-clock: the injected clock may stand still in tests, the refresh timer must not.
    this.positionsDueAt = Date.now() + this.options.positionsRefreshIntervalMs;
  }

  /**
   * Polls every option and underlying conid in batches; returns whether some conids were requested for the first time
   * and the conids IBKR withholds until the market data API acknowledgement is signed.
   */
  private async pollMarketData(): Promise<{ preflight: boolean; acknowledgementMissing: number[] }> {
    const all = this.marketDataConIds()
      .map(({ conId }) => conId)
      .sort((a, b) => a - b);
    await this.unsubscribeUnheld(new Set(all));
    await this.searchDerivativeUnderlyings();
    let preflight = false;
    const acknowledgementMissing: number[] = [];
    for (let start = 0; start < all.length; start += this.options.snapshotBatchSize) {
      const batch = all.slice(start, start + this.options.snapshotBatchSize);
      const body = await this.http.get('/iserver/marketdata/snapshot', {
        conids: batch.join(','),
        fields: SNAPSHOT_FIELDS.join(','),
      });
      if (!Array.isArray(body)) {
        throw new PortalRequestError(
          'invalid_json',
          '/iserver/marketdata/snapshot',
          'snapshot: expected an array of rows',
        );
      }
      const receivedAt = this.clock.now();
      for (const row of body) {
        if (!row || typeof row !== 'object') continue;
        const applied = this.store.applyRow(row as Record<string, unknown>, receivedAt);
        if (applied.acknowledgementRequired && applied.conId !== undefined) acknowledgementMissing.push(applied.conId);
        for (const bad of applied.bad) {
          this.events.emit('bad_input', `conid ${bad.conId} field ${bad.field}: ${bad.reason}; treated as missing`, {
            ...bad,
          });
        }
      }
      for (const conId of batch) {
        if (!this.requestedConIds.has(conId)) {
          this.requestedConIds.set(conId, Date.now());
          preflight = true;
        }
      }
    }
    return { preflight, acknowledgementMissing };
  }

  /** Ends the streams of conids no position needs any more (POST /iserver/marketdata/unsubscribe {conid}). */
  private async unsubscribeUnheld(needed: ReadonlySet<number>): Promise<void> {
    for (const conId of [...this.requestedConIds.keys()]) {
      if (needed.has(conId)) continue;
      await this.http.post('/iserver/marketdata/unsubscribe', { conid: conId });
      this.requestedConIds.delete(conId);
      this.store.forget(conId);
    }
  }

  /**
   * IBKR's documentation asks for a /iserver/secdef/search on the underlying before market data for a derivative;
   * once per symbol and brokerage session.
   */
  private async searchDerivativeUnderlyings(): Promise<void> {
    for (const account of this.trackedAccounts) {
      for (const position of this.positionsByAccount.get(account) ?? []) {
        if (position.secType !== 'OPT' && position.secType !== 'FOP') continue;
        const symbol = position.underlying.toUpperCase();
        if (this.searchedSymbols.has(symbol)) continue;
        await this.http.get('/iserver/secdef/search', { symbol });
        this.searchedSymbols.add(symbol);
      }
    }
  }

  /** A new brokerage session starts with no streams and no lookups: every conid goes through them again. */
  private forgetStreams(): void {
    this.requestedConIds.clear();
    this.searchedSymbols.clear();
  }

  /** Conids whose data has not all arrived yet and is still worth waiting for; sets lastReason while there are any. */
  private dataStillArriving(): number[] {
    const now = Date.now();
    const waiting: number[] = [];
    for (const { conId, option } of this.marketDataConIds()) {
      const since = this.requestedConIds.get(conId);
      if (since === undefined || this.store.complete(conId, option)) continue;
      if (now - since < this.options.firstDataWaitMs) waiting.push(conId);
    }
    if (waiting.length > 0) this.lastReason = `waiting for the first market data of ${waiting.length} conid(s)`;
    return waiting;
  }

  /** Every option conid (with whether it is one), every underlying and the benchmark that need market data. */
  private marketDataConIds(): { conId: number; option: boolean }[] {
    const byConId = new Map<number, boolean>();
    for (const account of this.trackedAccounts) {
      for (const position of this.positionsByAccount.get(account) ?? []) {
        if (position.secType === 'OPT' || position.secType === 'FOP') byConId.set(position.conId, true);
        if (position.underlyingConId !== undefined && !byConId.has(position.underlyingConId)) {
          byConId.set(position.underlyingConId, false);
        }
      }
    }
    // The beta benchmark is streamed whether held or not.
    if (typeof this.benchmarkConId === 'number' && !byConId.has(this.benchmarkConId)) {
      byConId.set(this.benchmarkConId, false);
    }
    return [...byConId].map(([conId, option]) => ({ conId, option }));
  }

  /** The ledger's rates; a ledger the gateway will not give leaves the last rates (or none) and says so once. */
  private async refreshExchangeRates(account: string): Promise<void> {
    try {
      const ledger = await loadLedgerRates(this.http, account);
      this.ratesByAccount.set(account, ledger.rates);
      for (const reason of ledger.rejected) this.reportOnce(`${account}:${reason}`, 'bad_input', reason, { account });
    } catch (error) {
      if (!isRefusedAnswer(error)) throw error;
      this.reportOnce(`${account}:ledger`, 'error', `exchange rates unavailable: ${error.message}`, { account });
    }
  }

  private async lookUpBenchmark(): Promise<void> {
    const symbol = this.options.betaBenchmark as string;
    try {
      this.benchmarkConId = await lookUpBenchmarkConId(this.http, symbol);
    } catch (error) {
      if (!isRefusedAnswer(error)) throw error;
      this.benchmarkConId = null;
    }
    if (this.benchmarkConId === null) {
      this.reportOnce(`benchmark:${symbol}`, 'error', `beta benchmark ${symbol} not found by /trsrv/stocks`, {
        symbol,
      });
    }
  }

  private reportOnce(
    key: string,
    type: 'bad_input' | 'error',
    message: string,
    details: Record<string, unknown>,
  ): void {
    if (this.reportedRejections.has(key)) return;
    this.reportedRejections.add(key);
    this.events.emit(type, message, details);
  }

  // ---- tickle ----

  private scheduleTickle(): void {
    if (this.tickleTimer) clearTimeout(this.tickleTimer);
    const generation = this.generation;
    this.tickleTimer = setTimeout(() => void this.tickle(generation), this.options.tickleIntervalMs);
  }

  private async tickle(generation: number): Promise<void> {
    if (!this.running || generation !== this.generation) return;
    if (this.sessionOk) {
      const problem = await this.session.tickle();
      if (problem && this.running && generation === this.generation) {
        if (problem.kind !== 'rate_limited' && problem.kind !== 'bad_answer') {
          this.sessionOk = false;
          this.fail(problem);
        }
      }
    }
    if (this.running && generation === this.generation) this.scheduleTickle();
  }

  // ---- helpers ----

  private dropSession(): void {
    this.sessionOk = false;
    this.positionsComplete = false;
    this.portfolioPrimed = false;
    this.iserverPrimed = false;
    this.positionsDueAt = 0;
    this.benchmarkConId = undefined;
  }

  private clearTimers(): void {
    if (this.loopTimer) clearTimeout(this.loopTimer);
    if (this.tickleTimer) clearTimeout(this.tickleTimer);
    this.loopTimer = undefined;
    this.tickleTimer = undefined;
  }

  private setConnection(state: ConnectionState): void {
    this.connection = state;
  }

  private noteReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.events.emit('connected', `Client Portal at ${this.options.baseUrl} answers`, {
      tlsVerification: this.tls.verification,
    });
  }

  private warnIfInsecure(): void {
    if (this.tls.verification !== 'disabled' || this.insecureWarned) return;
    this.insecureWarned = true;
    const message = `TLS certificate verification is DISABLED for ${this.options.baseUrl} (IB_PORTAL_INSECURE_TLS=true): prefer IB_PORTAL_CA_FILE`;
    this.logger.warn({ tlsVerification: 'disabled' }, message);
    this.events.emit('connecting', message, { tlsVerification: 'disabled', warning: 'tls_verification_disabled' });
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

/** An answer the gateway gave but the adapter cannot use (not a lost session, network or rate limit). */
function isRefusedAnswer(error: unknown): error is PortalRequestError {
  if (!(error instanceof PortalRequestError)) return false;
  if (error.kind === 'invalid_json') return true;
  return (
    error.kind === 'http' &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 401
  );
}

/** Thrown after fail() already recorded the problem, so the loop only waits. */
class AccountMissingError extends Error {
  constructor() {
    super('configured account missing');
  }
}
