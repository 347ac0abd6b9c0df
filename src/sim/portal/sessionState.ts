import { randomBytes } from 'node:crypto';

/**
 * authenticated: brokerage session up. lost: read-only session only (auth status says so). competing: another platform
 * holds it. noBridge: auth status still reads healthy but the brokerage bridge is gone, so /iserver answers 400
 * "no bridge" until ssodh/init opens it again (what OAuth and gateway users report before a brokerage init).
 */
export type BrokerageState = 'authenticated' | 'lost' | 'competing' | 'noBridge';

export interface SessionSettings {
  /** Start logged in (read-only + brokerage session). Default true. */
  loggedIn: boolean;
  /** The session ends after this long without a /tickle (or any request, see idleResetBy). Default 6 min. */
  idleTimeoutMs: number;
  idleResetBy: 'tickle' | 'any';
  /** Authentication lasts at most this long (the real one: 24 h). */
  maxSessionAgeMs: number;
  /** Time reauthenticate takes to restore the brokerage session. Default 100 ms. */
  reauthDelayMs: number;
  /** When false, /iserver/reauthenticate answers "triggered" but does nothing (only ssodh/init helps). */
  reauthenticateWorks: boolean;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  loggedIn: true,
  idleTimeoutMs: 6 * 60_000,
  idleResetBy: 'tickle',
  maxSessionAgeMs: 24 * 3_600_000,
  reauthDelayMs: 100,
  reauthenticateWorks: true,
};

export interface AuthStatusBody {
  authenticated: boolean;
  competing: boolean;
  connected: boolean;
  message: string;
  MAC: string;
  fail: string;
  serverInfo: { serverName: string; serverVersion: string };
}

/**
 * The gateway's two-tier session: the read-only SSO session (browser login) and the brokerage session on top of it.
 * Times here are wall-clock (Date.now): session expiry is about real silence, whatever the market clock says.
 */
export class FakeSession {
  readonly settings: SessionSettings;
  loggedIn: boolean;
  brokerage: BrokerageState = 'authenticated';
  /** Cleared on every new brokerage session: /iserver/accounts must be called again before market data. */
  iserverAccountsQueried = false;
  portfolioAccountsQueried = false;
  /** Symbols looked up with /iserver/secdef/search in this brokerage session (derivative market data needs one). */
  readonly searchedSymbols = new Set<string>();
  cookie = randomBytes(16).toString('hex');
  private loggedInAt = Date.now();
  private lastActivityAt = Date.now();
  private reauthTimer: NodeJS.Timeout | undefined;
  private readonly onBrokerageReset: () => void;

  constructor(settings: Partial<SessionSettings>, onBrokerageReset: () => void) {
    this.settings = { ...DEFAULT_SESSION_SETTINGS, ...settings };
    this.loggedIn = this.settings.loggedIn;
    this.onBrokerageReset = onBrokerageReset;
  }

  /** Applies idle expiry and maximum age; call before serving any request. */
  expireIfIdle(now = Date.now()): void {
    if (!this.loggedIn) return;
    if (
      now - this.lastActivityAt > this.settings.idleTimeoutMs ||
      now - this.loggedInAt > this.settings.maxSessionAgeMs
    ) {
      this.logout();
    }
  }

  noteRequest(isTickle: boolean, now = Date.now()): void {
    if (this.loggedIn && (isTickle || this.settings.idleResetBy === 'any')) this.lastActivityAt = now;
  }

  login(): void {
    this.loggedIn = true;
    this.loggedInAt = Date.now();
    this.lastActivityAt = Date.now();
    this.cookie = randomBytes(16).toString('hex');
    this.setBrokerage('authenticated');
    this.portfolioAccountsQueried = false;
  }

  logout(): void {
    this.loggedIn = false;
    this.setBrokerage('lost');
    this.portfolioAccountsQueried = false;
  }

  setBrokerage(state: BrokerageState): void {
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.reauthTimer = undefined;
    if (state !== 'authenticated' || this.brokerage !== 'authenticated') {
      this.iserverAccountsQueried = false;
      this.searchedSymbols.clear();
      this.onBrokerageReset();
    }
    this.brokerage = state;
  }

  reauthenticate(): void {
    if (!this.loggedIn || this.brokerage !== 'lost' || !this.settings.reauthenticateWorks || this.reauthTimer) return;
    this.reauthTimer = setTimeout(() => {
      this.reauthTimer = undefined;
      if (this.loggedIn && this.brokerage === 'lost') this.setBrokerage('authenticated');
    }, this.settings.reauthDelayMs);
  }

  /** ssodh/init: opens a brokerage session; while another platform competes only compete=true wins. */
  ssodhInit(compete: boolean): void {
    if (!this.loggedIn) return;
    if (this.brokerage === 'competing' && !compete) return;
    this.setBrokerage('authenticated');
  }

  authStatus(outage: boolean): AuthStatusBody {
    // During IBKR's restart the gateway stays logged in but loses its upstream connection.
    const authenticated = this.loggedIn && (this.brokerage === 'authenticated' || this.brokerage === 'noBridge');
    return {
      authenticated,
      competing: this.loggedIn && this.brokerage === 'competing',
      connected: this.loggedIn && !outage,
      message: outage ? 'gateway restarting' : authenticated ? '' : this.loggedIn ? 'not authenticated' : 'no session',
      MAC: '98:F2:B3:23:BF:A0',
      fail: '',
      serverInfo: { serverName: 'JifN19053', serverVersion: 'Build 10.25.0p, Dec 5, 2023 5:48:12 PM' },
    };
  }

  close(): void {
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
  }
}
