import type { Clock } from '../plumbing/clock';
import type { EventHub } from '../plumbing/eventHub';
import { lookUpBenchmarkConId } from './benchmarkLookup';
import { SNAPSHOT_FIELDS } from './fieldParsing';
import { isRefusedAnswer, PortalRequestError, type PortalHttpClient } from './httpClient';
import { MarketDataStore } from './marketData';
import type { PositionsPoller } from './positionsPoller';

export interface MarketDataPollerOptions {
  /** BETA_BENCHMARK: polled with the positions' conids, held or not. */
  betaBenchmark: string | null;
  snapshotBatchSize: number;
  firstDataWaitMs: number;
}

export interface PollResult {
  /** Some conids were requested for the first time: their first answer only started their streams. */
  preflight: boolean;
  /** Conids IBKR withholds until the market data API acknowledgement is signed. */
  acknowledgementMissing: number[];
}

/**
 * The brokerage session's market data: /iserver/accounts before anything else, a /iserver/secdef/search per
 * underlying, the pre-flight and then the snapshot polls of every option, underlying and the benchmark, and the
 * unsubscribe of conids no position needs any more.
 */
export class MarketDataPoller {
  readonly store = new MarketDataStore();
  /** /iserver/accounts has been read in this brokerage session (IBKR wants it before /iserver market data). */
  private brokerageAccountsRead = false;
  /** conid → wall-clock ms of its pre-flight in this brokerage session. */
  private readonly requestedConIds = new Map<number, number>();
  /** Underlying symbols looked up with /iserver/secdef/search in this brokerage session. */
  private readonly searchedSymbols = new Set<string>();
  /** undefined: not looked up in this session yet; null: the gateway knows no such stock. */
  private benchmark: number | null | undefined;
  private reportedMissingBenchmark = false;

  constructor(
    private readonly http: PortalHttpClient,
    private readonly events: EventHub,
    private readonly clock: Clock,
    private readonly positions: PositionsPoller,
    private readonly options: MarketDataPollerOptions,
  ) {}

  benchmarkConId(): number | undefined {
    return typeof this.benchmark === 'number' ? this.benchmark : undefined;
  }

  async readBrokerageAccountsIfNeeded(): Promise<void> {
    if (this.brokerageAccountsRead) return;
    const body = (await this.http.get('/iserver/accounts')) as { accounts?: unknown } | null;
    if (!body || !Array.isArray(body.accounts) || body.accounts.length === 0) {
      // The gateway answers {} here while another platform competes for the brokerage session.
      throw new PortalRequestError('http', '/iserver/accounts', '/iserver/accounts listed no accounts', 401);
    }
    this.brokerageAccountsRead = true;
  }

  async lookUpBenchmarkIfNeeded(): Promise<void> {
    const symbol = this.options.betaBenchmark;
    if (!symbol || this.benchmark !== undefined) return;
    try {
      this.benchmark = await lookUpBenchmarkConId(this.http, symbol);
    } catch (error) {
      if (!isRefusedAnswer(error)) throw error;
      this.benchmark = null;
    }
    if (this.benchmark === null && !this.reportedMissingBenchmark) {
      this.reportedMissingBenchmark = true;
      this.events.emit({
        type: 'error',
        message: `beta benchmark ${symbol} not found by /trsrv/stocks`,
        details: { symbol },
      });
    }
  }

  /** Polls every option and underlying conid in batches. */
  async poll(): Promise<PollResult> {
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
      const receivedAt = this.clock();
      for (const row of body) {
        if (!row || typeof row !== 'object') continue;
        const applied = this.store.applyRow(row as Record<string, unknown>, receivedAt);
        if (applied.acknowledgementRequired && applied.conId !== undefined) acknowledgementMissing.push(applied.conId);
        for (const bad of applied.bad) {
          this.events.emit({
            type: 'bad_input',
            message: `conid ${bad.conId} field ${bad.field}: ${bad.reason}; treated as missing`,
            details: { ...bad },
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

  /** Conids whose data has not all arrived yet and is still worth waiting for. */
  stillArriving(): number[] {
    const now = Date.now();
    const waiting: number[] = [];
    for (const { conId, option } of this.marketDataConIds()) {
      const since = this.requestedConIds.get(conId);
      if (since === undefined || this.store.complete(conId, option)) continue;
      if (now - since < this.options.firstDataWaitMs) waiting.push(conId);
    }
    return waiting;
  }

  /** A new brokerage session starts with no streams and no lookups: every conid goes through them again. */
  forgetStreams(): void {
    this.requestedConIds.clear();
    this.searchedSymbols.clear();
  }

  /** The brokerage session may be another one: /iserver/accounts is read again before the next poll. */
  forgetBrokerageAccounts(): void {
    this.brokerageAccountsRead = false;
  }

  /** A reconnect: the benchmark is looked up again too. */
  dropSession(): void {
    this.forgetBrokerageAccounts();
    this.benchmark = undefined;
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
    for (const position of this.positions.all()) {
      if (position.secType !== 'OPT' && position.secType !== 'FOP') continue;
      const symbol = position.underlying.toUpperCase();
      if (this.searchedSymbols.has(symbol)) continue;
      await this.http.get('/iserver/secdef/search', { symbol });
      this.searchedSymbols.add(symbol);
    }
  }

  /** Every option conid (with whether it is one), every underlying and the benchmark that need market data. */
  private marketDataConIds(): { conId: number; option: boolean }[] {
    const byConId = new Map<number, boolean>();
    for (const position of this.positions.all()) {
      if (position.secType === 'OPT' || position.secType === 'FOP') byConId.set(position.conId, true);
      if (position.underlyingConId !== undefined && !byConId.has(position.underlyingConId)) {
        byConId.set(position.underlyingConId, false);
      }
    }
    // The beta benchmark is streamed whether held or not.
    const benchmark = this.benchmarkConId();
    if (benchmark !== undefined && !byConId.has(benchmark)) byConId.set(benchmark, false);
    return [...byConId].map(([conId, option]) => ({ conId, option }));
  }
}
