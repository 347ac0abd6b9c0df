import { EventName, type Contract, type ContractDetails } from '@stoqey/ib';
import { isOptionSecType, underlyingGroup } from '../../greeks/instruments';
import type {
  Broker,
  BrokerEventListener,
  BrokerSnapshot,
  ConnectionState,
  OptionGreeks,
  Position,
  PriceQuote,
} from '../types';
import { ConnectionSupervisor, type SessionHooks } from './connectionSupervisor';
import { parsePositionEvent, withResolvedContract } from './contractMapping';
import { ContractResolver } from './contractResolver';
import { EventHub } from '../plumbing/eventHub';
import { ExchangeRateBook } from './exchangeRateBook';
import { INGEST_DEFAULTS, type IngestHandle, type IngestSettings } from './libraryIngest';
import { MarketDataBook, type MarketDataStats } from './marketDataBook';
import { CalculationBook, type CalculationStats } from './calculationBook';
import { resolveSocketBrokerOptions, type ResolvedSocketBrokerOptions, type SocketBrokerOptions } from './options';
import { PnlBook } from './pnlBook';
import { PositionBook } from './positionBook';
import { RequestIds, type Session } from './session';

/** The SOCKET adapter, with a read-only view of its market-data lines for operations and tests. */
export interface SocketBroker extends Broker {
  marketDataStats(): MarketDataStats;
  /** Pre-filter and fair-share figures of the current connection; null when there is none. */
  ingestStats(): ReturnType<IngestHandle['stats']> | null;
  calculationStats(): CalculationStats;
}

/**
 * How often options whose streamed model Greeks stopped are offered to IB's calculateOptionPrice, and its rationing:
 * a few at a time and each at most every 5 s, so calculations take a small share of the 45 messages a second.
 */
const CALCULATION_SWEEP_MS = 1_000;
const CALCULATION_SETTINGS = { maxInFlight: 5, minIntervalPerOptionMs: 5_000 };
/** An underlying price older than this is not a calculation input. */
const CALCULATION_PRICE_MAX_AGE_MS = 15_000;

/** `ingest` switches the pre-filter and fair-share decoding (both on by default), for comparisons and benchmarks. */
export function createSocketBroker(options: SocketBrokerOptions, ingest: Partial<IngestSettings> = {}): SocketBroker {
  return new TwsSocketBroker(resolveSocketBrokerOptions(options), { ...INGEST_DEFAULTS, ...ingest });
}

/**
 * Broker over TWS / IB Gateway on the raw IBApi. Roles are split like NautilusTrader's IB adapter: the
 * ConnectionSupervisor owns the socket, PositionBook the positions, MarketDataBook the streaming lines,
 * ContractResolver the contract lookups, PnlBook the P&L; this class only wires them together.
 */
class TwsSocketBroker implements SocketBroker {
  readonly mode = 'SOCKET' as const;
  private readonly events: EventHub;
  private readonly ids = new RequestIds();
  private readonly positions = new PositionBook();
  private readonly resolver: ContractResolver;
  private readonly marketData: MarketDataBook;
  private readonly calculations: CalculationBook;
  private calculationTimer: NodeJS.Timeout | null = null;
  private readonly pnl: PnlBook;
  private readonly exchangeRates: ExchangeRateBook;
  private readonly supervisor: ConnectionSupervisor;
  /** Underlying conId per option group (underlyingGroup), learned from one option's contract details. */
  private readonly underlyingBySymbol = new Map<string, number>();
  private managedAccounts: string[] = [];
  private reportedUnmanaged = false;

  constructor(
    private readonly options: ResolvedSocketBrokerOptions,
    ingest: IngestSettings,
  ) {
    this.events = new EventHub({ mode: 'SOCKET', clock: options.clock, logger: options.logger });
    this.resolver = new ContractResolver(this.ids, this.events, (conId) => this.onContractSettled(conId));
    this.marketData = new MarketDataBook(
      () => this.positions.all(),
      options.maxMarketDataLines,
      options.marketDataType,
      options.clock,
      this.ids,
      this.resolver,
      this.events,
      options.betaBenchmark,
      options.lineRotation,
      options.silentLineMs,
    );
    this.calculations = new CalculationBook(this.ids, this.events, options.clock, CALCULATION_SETTINGS);
    this.pnl = new PnlBook(this.ids, this.events);
    this.exchangeRates = new ExchangeRateBook(this.events);
    const { marketData, calculations } = this;
    this.supervisor = new ConnectionSupervisor(options, this.events, this.sessionHooks(), {
      interest: {
        wantsPriceTick: (reqId, field) => marketData.wantsPriceTick(reqId, field),
        wantsOptionComputation: (reqId, field) =>
          marketData.wantsOptionComputation(reqId, field) || calculations.wantsOptionComputation(reqId, field),
      },
      settings: ingest,
    });
  }

  start(): void {
    this.supervisor.start();
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    return this.supervisor.waitUntilReady(timeoutMs);
  }

  state(): ConnectionState {
    return this.supervisor.state();
  }

  accounts(): string[] {
    const accounts = new Set(this.managedAccounts);
    for (const account of this.positions.accounts()) accounts.add(account);
    return [...accounts];
  }

  snapshot(account: string): BrokerSnapshot {
    const connection = this.supervisor.state();
    const live = connection === 'ready';
    const positions = this.positions.forAccount(account).slice();
    const greeks: Record<number, OptionGreeks> = {};
    const underlyingPrices: Record<number, PriceQuote> = {};
    for (const position of positions) {
      if (isOptionSecType(position.secType)) {
        const value = this.optionGreeks(position.conId, live);
        if (value) greeks[position.conId] = value;
        // An underlying that is not held streams only while options take turns on the lines: the local model's price.
        const underlying = position.underlyingConId;
        if (underlying !== undefined && underlyingPrices[underlying] === undefined) {
          const quote = this.marketData.priceSnapshot(underlying, live);
          if (quote) underlyingPrices[underlying] = quote;
        }
      } else {
        const quote = this.marketData.priceSnapshot(position.conId, live);
        if (quote) underlyingPrices[position.conId] = quote;
      }
    }
    return {
      account,
      mode: this.mode,
      takenAt: this.options.clock(),
      connection,
      positions,
      greeks,
      underlyingPrices,
      pnl: this.pnl.get(account),
      marketDataType: this.marketData.currentType(),
      exchangeRates: this.exchangeRates.get(account),
      ...(this.options.betaBenchmark ? { benchmark: this.marketData.benchmarkSnapshot(live) ?? null } : {}),
      positionsComplete: this.positions.isComplete(),
    };
  }

  reconnect(reason: string): Promise<void> {
    return this.supervisor.reconnect(reason);
  }

  onEvent(listener: BrokerEventListener): () => void {
    return this.events.subscribe(listener);
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** The line's Greeks; when IB's stream stopped computing them, IB's newer answer to a calculation request. */
  private optionGreeks(conId: number, live: boolean): OptionGreeks | undefined {
    const streamed = this.marketData.greeksSnapshot(conId, live);
    if (streamed && !streamed.stale) return streamed;
    const calculated = this.calculations.latest(conId);
    if (!calculated || calculated.computedAt <= (streamed?.computedAt ?? 0)) return streamed;
    return { ...calculated, stale: !live };
  }

  /** Offers IB's calculation to the options whose streamed model Greeks stopped (rationed by CalculationBook). */
  private requestCalculations(session: Session): void {
    for (const candidate of this.marketData.calculationCandidates(CALCULATION_PRICE_MAX_AGE_MS)) {
      this.calculations.request(session, candidate.conId, candidate.contract, candidate);
    }
  }

  calculationStats(): CalculationStats {
    return this.calculations.stats();
  }

  marketDataStats(): MarketDataStats {
    return this.marketData.stats();
  }

  ingestStats(): ReturnType<IngestHandle['stats']> | null {
    return this.supervisor.ingestStats();
  }

  private sessionHooks(): SessionHooks {
    return {
      attach: (session) => this.attachDataHandlers(session),
      ready: (session) => {
        // Before the positions, so the rates are known by the time the position list is complete.
        this.exchangeRates.subscribe(session, this.ratesAccount());
        this.requestPositions(session);
        this.marketData.onSessionReady(session);
        this.pnl.subscribe(session, this.pnlAccounts());
        this.startCalculationSweep(session);
      },
      lost: () => {
        this.stopCalculationSweep();
        this.calculations.onSessionLost();
        this.positions.abortResync();
        this.marketData.onSessionLost();
        this.resolver.onSessionLost();
        this.pnl.onSessionLost();
      },
      connectivityLost: () => this.marketData.onConnectivityLost(),
      connectivityRestored: (session, dataLost) => {
        if (!dataLost) return;
        this.exchangeRates.subscribe(session, this.ratesAccount());
        this.requestPositions(session);
        this.marketData.onDataLost(session);
        this.pnl.subscribe(session, this.pnlAccounts());
      },
      managedAccounts: (accounts) => {
        this.managedAccounts = accounts;
        this.checkAccountManaged(accounts);
      },
      requestError: (_session, reqId, code, message) => {
        if (this.marketData.onRequestError(reqId, code, message)) return;
        if (this.calculations.onRequestError(reqId, code, message)) return;
        if (this.resolver.onRequestError(reqId, code, message)) return;
        if (this.pnl.onRequestError(reqId, code, message)) return;
        this.options.logger.debug({ reqId, code }, `error for an unknown or finished request: ${message}`);
      },
    };
  }

  private startCalculationSweep(session: Session): void {
    this.stopCalculationSweep();
    this.calculationTimer = setInterval(() => this.requestCalculations(session), CALCULATION_SWEEP_MS);
    this.calculationTimer.unref();
  }

  private stopCalculationSweep(): void {
    if (this.calculationTimer !== null) clearInterval(this.calculationTimer);
    this.calculationTimer = null;
  }

  /** TWS serves account values for one account per client: the followed one, else the first managed. */
  private ratesAccount(): string | null {
    return this.options.account ?? this.managedAccounts[0] ?? null;
  }

  /** One event when the configured account is (or becomes) missing from the login's accounts, not one per session. */
  private checkAccountManaged(accounts: string[]): void {
    const wanted = this.options.account;
    const missing = wanted !== null && !accounts.includes(wanted);
    if (missing && !this.reportedUnmanaged) {
      this.events.emit({
        type: 'account_not_managed',
        account: wanted,
        message: `account ${wanted} is not among the accounts this login manages [${accounts.join(', ')}]`,
        details: { account: wanted, managedAccounts: accounts },
      });
    }
    this.reportedUnmanaged = missing;
  }

  private pnlAccounts(): string[] {
    return this.options.account ? [this.options.account] : this.managedAccounts;
  }

  private requestPositions(session: Session): void {
    this.positions.beginResync();
    session.send((api) => api.reqPositions());
  }

  /**
   * Tick frames reach these handlers only when MarketDataBook.wantsPriceTick / wantsOptionComputation say they can
   * matter (the socket's pre-filter drops the rest undecoded): a handler that reads more must widen those first.
   */
  private attachDataHandlers(session: Session): void {
    const on = session.on.bind(session);
    on(EventName.position, (account: unknown, contract: Contract | undefined, quantity: unknown, avgCost: unknown) =>
      this.onPosition(account, contract, quantity, avgCost),
    );
    on(EventName.positionEnd, () => {
      if (this.positions.end()) this.marketData.reconcile();
    });
    on(
      EventName.tickOptionComputation,
      (
        reqId: number,
        field: number,
        _tickAttrib: unknown,
        impliedVol: unknown,
        delta: unknown,
        optionPrice: unknown,
        pvDividend: unknown,
        gamma: unknown,
        vega: unknown,
        theta: unknown,
        underlyingPrice: unknown,
      ) => {
        const values = [impliedVol, delta, optionPrice, gamma, vega, theta, underlyingPrice] as const;
        if (this.calculations.wantsOptionComputation(reqId, field)) {
          this.calculations.onTickOptionComputation(reqId, field, ...values);
        } else {
          this.marketData.onTickOptionComputation(reqId, field, ...values, pvDividend);
        }
      },
    );
    on(EventName.tickPrice, (reqId: number, field: number, value: unknown) =>
      this.marketData.onTickPrice(reqId, field, value),
    );
    on(EventName.marketDataType, (reqId: number, type: unknown) => this.marketData.onMarketDataType(reqId, type));
    on(EventName.contractDetails, (reqId: number, details: ContractDetails) =>
      this.resolver.onContractDetails(reqId, details),
    );
    on(EventName.contractDetailsEnd, (reqId: number) => this.resolver.onContractDetailsEnd(reqId));
    on(EventName.updateAccountValue, (key: unknown, value: unknown, currency: unknown, account: unknown) =>
      this.exchangeRates.onAccountValue(key, value, currency, account),
    );
    on(EventName.pnl, (reqId: number, daily: unknown, unrealized: unknown, realized: unknown) =>
      this.pnl.onPnl(reqId, daily, unrealized, realized),
    );
  }

  private onPosition(account: unknown, contract: Contract | undefined, quantity: unknown, avgCost: unknown): void {
    const parsed = parsePositionEvent(account, contract, quantity, avgCost);
    if (!parsed.ok) {
      this.events.badInput(parsed.reason, { account: String(account), conId: contract?.conId });
      return;
    }
    const position = this.withSharedUnderlying(
      withResolvedContract(parsed.value, this.resolver.get(parsed.value.conId)),
    );
    if (this.positions.apply(position)) this.marketData.reconcile();
  }

  private onContractSettled(conId: number): void {
    const resolved = this.resolver.get(conId);
    let completed: Position | undefined;
    for (const position of this.positions.all()) {
      if (position.conId !== conId) continue;
      completed = withResolvedContract(position, resolved);
      if (completed !== position) this.positions.update(completed);
    }
    this.marketData.onContractSettled(conId, completed);
    if (completed?.underlyingConId !== undefined && this.shareUnderlying(completed)) {
      this.marketData.reconcile();
    }
  }

  /**
   * A stock option's position event does not name its underlying; one option's contract details do, for every option
   * of the same type on the same symbol and currency (now and after every resync). Returns whether a position learned it.
   */
  private shareUnderlying(from: Position): boolean {
    this.underlyingBySymbol.set(underlyingGroup(from), from.underlyingConId!);
    let changed = false;
    for (const position of this.positions.all()) {
      const completed = this.withSharedUnderlying(position);
      if (completed === position) continue;
      this.positions.update(completed);
      changed = true;
    }
    return changed;
  }

  private withSharedUnderlying(position: Position): Position {
    if (position.underlyingConId !== undefined || !isOptionSecType(position.secType)) return position;
    const underlyingConId = this.underlyingBySymbol.get(underlyingGroup(position));
    return underlyingConId === undefined ? position : { ...position, underlyingConId };
  }
}
