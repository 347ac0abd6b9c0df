import { ReadyGate } from '../plumbing/readyGate';
import type { EventHub } from '../plumbing/eventHub';
import type { BrokerLogger } from '../plumbing/logger';
import type { ConnectionState } from '../types';
import type { SessionProblem, SessionProblemKind } from './sessionKeeper';
import type { TlsVerification } from './tls';

/** Where the adapter stands with the gateway; the connection state and the events follow from it. */
export type PortalSessionState =
  | { kind: 'stopped' }
  /** Connecting; previous is the problem of the session before a reconnect, so its recovery is still reported. */
  | { kind: 'starting'; previous?: SessionProblem }
  /** The gateway or the session is unusable; the loop retries with backoff. */
  | { kind: 'failing'; problem: SessionProblem }
  /** A 429: the rate limiter sends nothing until IBKR's penalty pause is over. */
  | { kind: 'penalty'; problem: SessionProblem }
  | { kind: 'ready' };

/** Problems only a person can end: no retry of the adapter's will. */
export const HUMAN_PROBLEMS: ReadonlySet<SessionProblemKind> = new Set(['market_data_ack']);

/** Problems of the login itself: their recovery is reported as reauthenticated. */
export const AUTH_PROBLEMS: ReadonlySet<SessionProblemKind> = new Set(['no_session', 'brokerage_lost', 'competing']);

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

export interface SessionStatusOptions {
  events: EventHub;
  logger: BrokerLogger;
  baseUrl: string;
  tlsVerification: TlsVerification;
}

/**
 * The adapter's session state and what it tells the outside: the connection state, one event per change of problem,
 * the reason a waiter is given, and the waiters of waitUntilReady().
 */
export class SessionStatus {
  private state: PortalSessionState = { kind: 'stopped' };
  private why = 'not started';
  /** 'connected' is announced once each time the gateway answers again after being unreachable. */
  private announcedReachable = false;
  private readonly readyGate = new ReadyGate();

  constructor(private readonly options: SessionStatusOptions) {}

  current(): PortalSessionState {
    return this.state;
  }

  running(): boolean {
    return this.state.kind !== 'stopped';
  }

  connection(): ConnectionState {
    switch (this.state.kind) {
      case 'stopped':
        return 'down';
      case 'starting':
        return 'connecting';
      case 'failing':
        return STATE_BY_PROBLEM[this.state.problem.kind];
      case 'penalty':
        return 'degraded';
      case 'ready':
        return 'ready';
    }
  }

  /** Why the adapter is not ready, for the error a waiter gets. */
  /** The problem's own words while it waits on a person (see HUMAN_PROBLEMS); null otherwise. */
  humanActionNeeded(): string | null {
    const state = this.state;
    return state.kind === 'failing' && HUMAN_PROBLEMS.has(state.problem.kind) ? state.problem.reason : null;
  }

  reason(): string {
    return this.why;
  }

  /** A reason that moves no state, e.g. that the first market data is still arriving. */
  explain(reason: string): void {
    this.why = reason;
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.state.kind === 'ready') return Promise.resolve();
    return this.readyGate.wait(timeoutMs, () => new Error(`PORTAL not ready after ${timeoutMs} ms: ${this.why}`));
  }

  start(): void {
    const { baseUrl, tlsVerification, events, logger } = this.options;
    if (tlsVerification === 'disabled') {
      const message = `TLS certificate verification is DISABLED for ${baseUrl} (IB_PORTAL_INSECURE_TLS=true): prefer IB_PORTAL_CA_FILE`;
      logger.warn({ tlsVerification: 'disabled' }, message);
      events.emit({
        type: 'connecting',
        message,
        details: { tlsVerification: 'disabled', warning: 'tls_verification_disabled' },
      });
    }
    this.state = { kind: 'starting' };
    events.emit({
      type: 'connecting',
      message: `connecting to Client Portal at ${baseUrl}`,
      details: { tlsVerification },
    });
  }

  /** A reconnect: connecting again, keeping the problem being recovered from. */
  restart(): void {
    this.state = { kind: 'starting', previous: this.problem() };
  }

  stop(): void {
    this.state = { kind: 'stopped' };
    this.why = 'stopped';
    this.options.events.emit({
      type: 'disconnected',
      message: 'PORTAL adapter stopped',
      details: { reason: 'stopped' },
    });
    this.readyGate.fail(new Error('PORTAL adapter stopped before it was ready'));
  }

  /** Degraded for the pause: the data held is aging and nothing can refresh it. */
  penalty(reason: string, endpoint: string, pauseMs: number): void {
    this.state = { kind: 'penalty', problem: { kind: 'rate_limited', reason, status: 429 } };
    this.why = reason;
    this.options.events.emit({ type: 'rate_limited', message: reason, details: { endpoint, pauseMs }, code: 429 });
  }

  /** Moves to the problem's state; emits an event only when the kind of problem changes. */
  failed(problem: SessionProblem): void {
    if (problem.kind !== 'unreachable' && problem.kind !== 'tls') this.reachable();
    else this.announcedReachable = false;
    this.why = problem.reason;
    const changed = this.problem()?.kind !== problem.kind;
    this.state = { kind: 'failing', problem };
    if (changed) this.emitProblem(problem);
  }

  ready(repairedByAdapter: boolean, accounts: string[]): void {
    const previous = this.problem();
    this.state = { kind: 'ready' };
    this.why = 'ready';
    const { events } = this.options;
    if (previous && AUTH_PROBLEMS.has(previous.kind)) {
      const by = repairedByAdapter ? 'adapter' : 'gateway';
      events.emit({
        type: 'reauthenticated',
        message: `session restored after ${previous.kind} (by ${by})`,
        details: { recoveredFrom: previous.kind, by },
      });
    }
    events.emit({
      type: 'ready',
      message: previous ? `ready again after ${previous.kind}` : 'ready',
      details: { accounts, ...(previous ? { recoveredFrom: previous.kind } : {}) },
    });
    this.readyGate.open();
  }

  /** The gateway answered: announced once until it is unreachable again. */
  reachable(): void {
    if (this.announcedReachable) return;
    this.announcedReachable = true;
    this.options.events.emit({
      type: 'connected',
      message: `Client Portal at ${this.options.baseUrl} answers`,
      details: { tlsVerification: this.options.tlsVerification },
    });
  }

  private problem(): SessionProblem | undefined {
    switch (this.state.kind) {
      case 'starting':
        return this.state.previous;
      case 'failing':
      case 'penalty':
        return this.state.problem;
      default:
        return undefined;
    }
  }

  private emitProblem(problem: SessionProblem): void {
    const details = { kind: problem.kind, ...(problem.status ? { status: problem.status } : {}) };
    const message = problem.reason;
    const { events } = this.options;
    if (AUTH_PROBLEMS.has(problem.kind)) events.emit({ type: 'auth_lost', message, details });
    else if (problem.kind === 'outage')
      events.emit({
        type: 'outage',
        message,
        details,
        ...(problem.status !== undefined ? { code: problem.status } : {}),
      });
    else if (problem.kind === 'bad_answer') events.emit({ type: 'bad_input', message, details });
    else if (problem.kind === 'account') events.emit({ type: 'account_not_managed', message, details });
    else if (problem.kind === 'market_data_ack') events.emit({ type: 'error', message, details });
    else events.emit({ type: 'disconnected', message, details });
  }
}
