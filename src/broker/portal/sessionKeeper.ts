import { PortalRequestError, type PortalHttpClient } from './httpClient';

/** Why the adapter cannot serve data right now, from the gateway's point of view. */
export type SessionProblemKind =
  | 'unreachable' // connection refused / reset / timeout: gateway not running or not answering
  | 'tls' // certificate not trusted
  | 'no_session' // 401: nobody is logged in to the gateway (browser login needed)
  | 'brokerage_lost' // read-only session alive, brokerage session gone (connected && !authenticated)
  | 'competing' // another platform holds the brokerage session for this username
  | 'outage' // 500/503 during IBKR's nightly restart or maintenance
  | 'account' // the configured account is not among the gateway's accounts
  | 'rate_limited' // 429: not a session problem, only a reason to wait
  | 'market_data_ack' // 6509 "O": the user must sign IBKR's annual market data API acknowledgement
  | 'bad_answer'; // invalid JSON or an unexpected shape

export interface SessionProblem {
  kind: SessionProblemKind;
  reason: string;
  status?: number;
  /** The gateway said "no bridge": the brokerage session must be initialised again (ssodh/init), whatever auth status says. */
  noBridge?: boolean;
}

export interface AuthStatus {
  authenticated: boolean;
  connected: boolean;
  competing: boolean;
  message?: string;
}

export interface SessionKeeperOptions {
  http: PortalHttpClient;
  /** Kick another platform's brokerage session with ssodh/init compete=true (off: it would log the user out of TWS). */
  takeOverCompetingSession: boolean;
  /** POST /tickle period while the session holds; the gateway drops a session after ~6 minutes of silence. */
  tickleIntervalMs: number;
  /** Polls of auth status after a reauthenticate before trying ssodh/init. */
  reauthPolls?: number;
  reauthPollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type EstablishResult =
  | { healthy: true; repaired: false }
  | { healthy: true; repaired: true; repairedFrom: SessionProblem }
  | { healthy: false; problem: SessionProblem };

/** What the tickle needs from the session loop. */
export interface TickleHooks {
  /** Tickle only a session the loop has verified: an unverified one is being checked already. */
  sessionVerified(): boolean;
  /** The tickle's answer shows the session is gone. */
  lost(problem: SessionProblem): void;
}

/**
 * Checks the gateway's session and repairs what the API can repair: a lost brokerage session (reauthenticate, then
 * ssodh/init) and, if allowed, a competing one. A missing read-only session cannot be repaired from here: it needs the
 * browser login, so it is reported. Keeps a verified session alive with POST /tickle.
 */
export class SessionKeeper {
  private readonly sleep: (ms: number) => Promise<void>;
  private tickleTimer: NodeJS.Timeout | undefined;
  /** Bumped by stopTickling(): a tickle answer that arrives after it belongs to a finished round and is ignored. */
  private tickleRound = 0;

  constructor(private readonly options: SessionKeeperOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * afterNoBridge: a data call was refused with "no bridge". Auth status may still read healthy then, so the brokerage
   * session is initialised again (ssodh/init) before anything else.
   */
  async establish(afterNoBridge?: SessionProblem): Promise<EstablishResult> {
    const first = await this.check();
    if (first.healthy && afterNoBridge) {
      return this.repair(afterNoBridge, [
        () => this.options.http.post('/iserver/auth/ssodh/init', { publish: true, compete: false }),
      ]);
    }
    if (first.healthy) return { healthy: true, repaired: false };
    const problem = first.problem;
    if (problem.kind === 'brokerage_lost') {
      const repaired = await this.repair(problem, [
        () => this.options.http.post('/iserver/reauthenticate'),
        () => this.options.http.post('/iserver/auth/ssodh/init', { publish: true, compete: false }),
      ]);
      return repaired;
    }
    if (problem.kind === 'competing' && this.options.takeOverCompetingSession) {
      return this.repair(problem, [
        () => this.options.http.post('/iserver/auth/ssodh/init', { publish: true, compete: true }),
      ]);
    }
    return { healthy: false, problem };
  }

  /** Tickles every tickleIntervalMs until stopTickling(); restarting starts a new round. */
  startTickling(hooks: TickleHooks): void {
    this.stopTickling();
    this.scheduleTickle(this.tickleRound, hooks);
  }

  stopTickling(): void {
    this.tickleRound += 1;
    if (this.tickleTimer) clearTimeout(this.tickleTimer);
    this.tickleTimer = undefined;
  }

  private scheduleTickle(round: number, hooks: TickleHooks): void {
    this.tickleTimer = setTimeout(() => void this.tickleOnce(round, hooks), this.options.tickleIntervalMs);
  }

  private async tickleOnce(round: number, hooks: TickleHooks): Promise<void> {
    if (round !== this.tickleRound) return;
    if (hooks.sessionVerified()) {
      const problem = await this.tickle();
      // A 429 or a garbled answer says nothing about the session: the data calls will tell.
      if (problem && round === this.tickleRound && problem.kind !== 'rate_limited' && problem.kind !== 'bad_answer') {
        hooks.lost(problem);
      }
    }
    if (round === this.tickleRound) this.scheduleTickle(round, hooks);
  }

  /** POST /tickle; returns a problem when the answer shows the session is gone. */
  async tickle(): Promise<SessionProblem | undefined> {
    try {
      const body = (await this.options.http.post('/tickle')) as Record<string, unknown> | null;
      if (body && typeof body === 'object' && typeof body.error === 'string') {
        return { kind: 'no_session', reason: `tickle: ${body.error}` };
      }
      const iserver = body?.iserver as { authStatus?: unknown } | undefined;
      const status = iserver?.authStatus !== undefined ? parseAuthStatus(iserver.authStatus) : undefined;
      return status ? problemOf(status) : undefined;
    } catch (error) {
      return problemFromError(error);
    }
  }

  async check(): Promise<{ healthy: true } | { healthy: false; problem: SessionProblem }> {
    let body: unknown;
    try {
      body = await this.options.http.post('/iserver/auth/status');
    } catch (error) {
      const problem = problemFromError(error);
      // Without any session the gateway answers 401 even here; brokerage-only loss shows as a 200 with flags.
      if (problem.status === 401) return { healthy: false, problem: { ...problem, kind: 'no_session' } };
      return { healthy: false, problem };
    }
    const status = parseAuthStatus(body);
    if (!status) {
      return { healthy: false, problem: { kind: 'bad_answer', reason: 'auth status: answer without "authenticated"' } };
    }
    const problem = problemOf(status);
    return problem ? { healthy: false, problem } : { healthy: true };
  }

  private async repair(problem: SessionProblem, attempts: (() => Promise<unknown>)[]): Promise<EstablishResult> {
    let last = problem;
    for (const attempt of attempts) {
      try {
        await attempt();
      } catch (error) {
        last = problemFromError(error);
        if (last.kind !== 'brokerage_lost' && last.kind !== 'competing') return { healthy: false, problem: last };
        continue;
      }
      for (let poll = 0; poll < (this.options.reauthPolls ?? 6); poll += 1) {
        await this.sleep(this.options.reauthPollIntervalMs ?? 500);
        const check = await this.check();
        if (check.healthy) return { healthy: true, repaired: true, repairedFrom: problem };
        last = check.problem;
        if (last.kind !== 'brokerage_lost' && last.kind !== 'competing') return { healthy: false, problem: last };
      }
    }
    return { healthy: false, problem: last };
  }
}

export function parseAuthStatus(body: unknown): AuthStatus | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.authenticated !== 'boolean') return undefined;
  return {
    authenticated: record.authenticated,
    connected: record.connected === true,
    competing: record.competing === true,
    message: typeof record.message === 'string' ? record.message : undefined,
  };
}

function problemOf(status: AuthStatus): SessionProblem | undefined {
  if (status.competing) {
    return { kind: 'competing', reason: 'another session (TWS, mobile or web) holds the brokerage session' };
  }
  if (!status.authenticated) {
    return status.connected
      ? { kind: 'brokerage_lost', reason: 'brokerage session lost (connected, not authenticated)' }
      : { kind: 'no_session', reason: 'gateway not connected to IBKR: log in at the gateway in a browser' };
  }
  if (!status.connected) return { kind: 'outage', reason: 'authenticated but not connected to IBKR' };
  return undefined;
}

/** Classifies a failed call: which session problem it reveals. */
export function problemFromError(error: unknown): SessionProblem {
  if (!(error instanceof PortalRequestError)) return { kind: 'unreachable', reason: String(error) };
  switch (error.kind) {
    case 'tls':
      return { kind: 'tls', reason: error.message };
    case 'network':
    case 'timeout':
      return { kind: 'unreachable', reason: error.message };
    case 'http':
      if (error.status === 400 && /no bridge/i.test(error.gatewayError ?? '')) {
        return {
          kind: 'brokerage_lost',
          reason: `brokerage session not up (${error.endpoint}: ${error.gatewayError}): initialising it with ssodh/init`,
          status: 400,
          noBridge: true,
        };
      }
      if (error.status === 401 || error.status === 403) {
        return {
          kind: error.endpoint.startsWith('/iserver') ? 'brokerage_lost' : 'no_session',
          reason: error.message,
          status: error.status,
        };
      }
      return { kind: 'outage', reason: error.message, status: error.status };
    case 'rate_limited':
      return { kind: 'rate_limited', reason: error.message, status: error.status };
    case 'invalid_json':
      return { kind: 'bad_answer', reason: error.message, status: error.status };
  }
}
