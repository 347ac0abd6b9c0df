import type { EventHub } from '../plumbing/eventHub';
import type { ExchangeRates, Position } from '../types';
import type { ContractMultipliers } from './contractMultipliers';
import { isRefusedAnswer, PortalRequestError, type PortalHttpClient } from './httpClient';
import { loadLedgerRates } from './ledger';
import { loadPositions } from './positions';
import type { SessionProblem } from './sessionKeeper';

export interface PositionsPollerOptions {
  /** IB_ACCOUNT: the account to follow; every account the gateway lists when absent. */
  account?: string;
  positionsRefreshIntervalMs: number;
}

/**
 * The accounts (/portfolio/accounts), their positions (paged, every positionsRefreshIntervalMs) and the exchange rates
 * of their ledgers.
 */
export class PositionsPoller {
  private knownAccounts: string[] = [];
  private trackedAccounts: string[] = [];
  /** /portfolio/accounts has been read for the current read-only session (the gateway wants it before positions). */
  private accountsRead = false;
  private readonly positionsByAccount = new Map<string, Position[]>();
  private readonly ratesByAccount = new Map<string, ExchangeRates>();
  private dueAt = 0;
  /** Every page of every tracked account has been read since the current session started. */
  private complete = false;
  private readonly reported = new Set<string>();

  constructor(
    private readonly http: PortalHttpClient,
    private readonly events: EventHub,
    private readonly multipliers: ContractMultipliers,
    private readonly options: PositionsPollerOptions,
  ) {}

  /** Every account the gateway listed, followed or not: the cycle tells the operator which accounts there are. */
  accounts(): string[] {
    return [...this.knownAccounts];
  }

  tracked(): string[] {
    return this.trackedAccounts;
  }

  positions(account: string): readonly Position[] {
    return this.positionsByAccount.get(account) ?? [];
  }

  /** Positions of every tracked account. */
  *all(): Iterable<Position> {
    for (const account of this.trackedAccounts) yield* this.positions(account);
  }

  rates(account: string): ExchangeRates {
    return this.ratesByAccount.get(account) ?? { baseCurrency: null, rates: {} };
  }

  isComplete(): boolean {
    return this.complete;
  }

  /** Reads /portfolio/accounts once per read-only session; returns the problem when the followed account is missing. */
  async readAccountsIfNeeded(): Promise<SessionProblem | undefined> {
    if (this.accountsRead) return undefined;
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
    this.knownAccounts = ids;
    if (wanted && !ids.includes(wanted)) {
      return { kind: 'account', reason: `account ${wanted} is not among the gateway's accounts [${ids.join(', ')}]` };
    }
    this.trackedAccounts = wanted ? [wanted] : ids;
    this.accountsRead = true;
    return undefined;
  }

  async refreshIfDue(): Promise<void> {
    if (Date.now() < this.dueAt) return;
    for (const account of this.trackedAccounts) {
      const load = await loadPositions(this.http, account);
      this.positionsByAccount.set(account, await this.multipliers.complete(load.positions));
      for (const rejected of load.rejected) {
        this.reportOnce(`${account}:${rejected.reason}`, 'bad_input', `position row rejected: ${rejected.reason}`, {
          account,
          conId: rejected.conId,
        });
      }
    }
    for (const account of this.trackedAccounts) await this.refreshExchangeRates(account);
    this.complete = true;
    // Wall-clock: the injected clock may stand still in tests, the refresh timer must not.
    this.dueAt = Date.now() + this.options.positionsRefreshIntervalMs;
  }

  /** A new session: the positions read before it may be out of date; read them all again before any row. */
  sessionStarted(): void {
    this.complete = false;
    this.dueAt = 0;
  }

  /** A new login, or the gateway complaining about call order: /portfolio/accounts must be read again. */
  forgetAccounts(): void {
    this.accountsRead = false;
  }

  /** A reconnect: everything is read again. */
  dropSession(): void {
    this.sessionStarted();
    this.forgetAccounts();
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

  private reportOnce(
    key: string,
    type: 'bad_input' | 'error',
    message: string,
    details: Record<string, unknown>,
  ): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.events.emit({ type, message, details });
  }
}
