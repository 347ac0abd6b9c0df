import { EventName, IBApi } from '@stoqey/ib';
import type { ConnectionState } from '../types';
import { Backoff } from '../plumbing/backoff';
import type { EventHub } from '../plumbing/eventHub';
import { ReadyGate } from '../plumbing/readyGate';
import type { FrameInterest } from './framePreFilter';
import { installIngest, type IngestHandle, type IngestSettings } from './libraryIngest';
import type { ResolvedSocketBrokerOptions } from './options';
import { RequestPacer } from './pacer';
import { Session } from './session';

/** What the supervisor tells the data side (positions, market data, P&L) about the session's life. */
export interface SessionHooks {
  /** A new connection attempt: attach the data handlers to its api. */
  attach(session: Session): void;
  /** nextValidId arrived: the session accepts requests. */
  ready(session: Session): void;
  /** The socket is gone (or declared dead); its requests and subscriptions are void. */
  lost(session: Session): void;
  /** 1100: TWS lost its link to IBKR; the socket stays, the data goes stale. */
  connectivityLost(session: Session): void;
  /** 1101 (dataLost: re-subscribe everything) or 1102 (subscriptions kept). */
  connectivityRestored(session: Session, dataLost: boolean): void;
  managedAccounts(accounts: string[]): void;
  /** An error bound to one request id. */
  requestError(session: Session, reqId: number, code: number, message: string): void;
}

const FARM_STATUS_CODES: ReadonlySet<number> = new Set([2103, 2104, 2105, 2106, 2107, 2108, 2110, 2119, 2157, 2158]);
const CLIENT_ID_IN_USE = 326;
const SOCKET_PORT_RESET = 1300;
const PACING_VIOLATION = 100;
/** @stoqey/ib codes for its own failures: socket error, decode error, unsupported server version. */
const LIBRARY_CONNECT_FAIL = 502;
const LIBRARY_DECODE_ERROR = 505;
const LIBRARY_UNSUPPORTED_VERSION = 506;
const LIBRARY_RATE_LIMIT_OFF = 10_000;

/** How each connection's inbound bytes are read: what the data side reads, and the pre-filter / fair-share switches. */
export interface SupervisorIngest {
  interest: FrameInterest;
  settings: IngestSettings;
}

export function parseManagedAccounts(list: unknown): string[] {
  if (typeof list !== 'string') return [];
  return list
    .split(',')
    .map((account) => account.trim())
    .filter((account) => account.length > 0);
}

/**
 * Owns the connection: one fresh IBApi per attempt (so the library's paused command queue can never replay old
 * requests), handshake timeout, heartbeat and stall detection, exponential backoff, 326 handling and the
 * 1100/1101/1102 state machine. Every transition is reported as a BrokerEvent.
 */
export class ConnectionSupervisor {
  private connectionState: ConnectionState = 'down';
  private session: Session | null = null;
  private sessionCount = 0;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastInboundAt = 0;
  private lastReason = 'not started';
  private readonly readyGate = new ReadyGate();
  private readonly backoff: Backoff;
  private ingest: IngestHandle | null = null;
  private ingestUnavailableReported = false;

  constructor(
    private readonly options: ResolvedSocketBrokerOptions,
    private readonly events: EventHub,
    private readonly hooks: SessionHooks,
    private readonly ingestSetup: SupervisorIngest | null = null,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {
    this.backoff = new Backoff(
      options.reconnectMinDelayMs,
      options.reconnectMaxDelayMs,
      options.reconnectSteadyAttempts,
    );
  }

  state(): ConnectionState {
    return this.connectionState;
  }

  /** The current connection's pre-filter and fair-share figures, or null without a connection or ingest. */
  ingestStats(): ReturnType<IngestHandle['stats']> | null {
    return this.ingest?.stats() ?? null;
  }

  /** Why the adapter is not ready, for error messages. */
  lastFailureReason(): string {
    return this.lastReason;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect('start');
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.connectionState === 'ready') return Promise.resolve();
    return this.readyGate.wait(
      timeoutMs,
      () =>
        new Error(`socket broker not ready after ${timeoutMs} ms (state ${this.connectionState}): ${this.lastReason}`),
    );
  }

  async reconnect(reason: string): Promise<void> {
    this.events.emit({ type: 'reconnect', message: `reconnect requested: ${reason}`, details: { reason, delayMs: 0 } });
    this.clearRetry();
    if (this.session) this.fail(this.session, 'reconnect_requested', reason, false);
    this.backoff.reset();
    if (!this.stopped) this.connect(reason);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearRetry();
    if (this.session) this.fail(this.session, 'stopped', 'broker stopped', false);
    this.setState('down');
    // Let the destroyed socket's close callbacks run before the caller tears down the server.
    await new Promise((resolve) => setImmediate(resolve));
  }

  private connect(reason: string): void {
    this.clearRetry();
    const { host, port, clientId } = this.options;
    // Our RequestPacer is the only rate limiter: the library's own (fixed 100 ms windows) could bunch a backlog.
    const api = new IBApi({ host, port, maxReqPerSec: LIBRARY_RATE_LIMIT_OFF });
    const pacer = new RequestPacer(this.options.maxMessagesPerSecond, (error) =>
      this.events.emit({ type: 'error', message: `request failed to send: ${describe(error)}` }),
    );
    const session = new Session(++this.sessionCount, api, pacer, this.events.guard.bind(this.events));
    this.session = session;
    this.setState('connecting');
    this.events.emit({
      type: 'connecting',
      message: `connecting to ${host}:${port} as client id ${clientId}`,
      details: { host, port, clientId, session: session.id, attempt: this.backoff.attempts() + 1, reason },
    });
    this.attach(session);
    this.hooks.attach(session);
    this.ingest = this.installIngest(session);
    this.handshakeTimer = setTimeout(
      () => this.fail(session, 'handshake_timeout', `no nextValidId within ${this.options.handshakeTimeoutMs} ms`),
      this.options.handshakeTimeoutMs,
    );
    try {
      api.connect(clientId);
    } catch (error) {
      this.fail(session, 'connect_error', describe(error));
    }
  }

  private attach(session: Session): void {
    const on = session.on.bind(session);
    on(EventName.received, () => {
      this.lastInboundAt = this.monotonicNow();
    });
    on(EventName.server, (version: unknown) => {
      this.events.emit({
        type: 'connected',
        message: `TCP session open, server version ${String(version)}`,
        details: { session: session.id, serverVersion: version },
      });
    });
    on(EventName.managedAccounts, (list: unknown) => {
      const accounts = parseManagedAccounts(list);
      if (accounts.length === 0) this.events.badInput('managedAccounts without any account', { list: String(list) });
      else this.hooks.managedAccounts(accounts);
    });
    on(EventName.nextValidId, () => this.onReady(session));
    on(EventName.currentTime, (time: unknown) => {
      if (typeof time !== 'number' || !Number.isFinite(time)) this.events.badInput('currentTime not a number');
      // A heartbeat answer proves the session really works: only now forget earlier failures.
      this.backoff.reset();
    });
    on(EventName.disconnected, () => this.fail(session, 'socket_closed', 'connection closed'));
    on(EventName.info, (message: unknown, code: unknown) => this.onInfo(session, String(message), Number(code)));
    on(EventName.error, (error: unknown, code: unknown, reqId: unknown) =>
      this.onError(session, error instanceof Error ? error.message : String(error), Number(code), Number(reqId)),
    );
  }

  /** Before connect: the library's socket then reads through the pre-filter and in fair slices. */
  private installIngest(session: Session): IngestHandle | null {
    if (!this.ingestSetup) return null;
    const { interest, settings } = this.ingestSetup;
    // A dropped frame emits no 'received' event: the stall detector hears of it here.
    const handle = installIngest(session.api, interest, settings, () => {
      if (this.session === session) this.lastInboundAt = this.monotonicNow();
    });
    if (!handle && (settings.fairShare || settings.preFilter) && !this.ingestUnavailableReported) {
      this.ingestUnavailableReported = true;
      this.options.logger.warn(
        {},
        '@stoqey/ib internals are not the expected ones: inbound frames are decoded without pre-filter or fair share',
      );
    }
    return handle;
  }

  private onReady(session: Session): void {
    if (session.isReady()) return;
    this.clearTimer('handshakeTimer');
    session.markReady();
    this.lastInboundAt = this.monotonicNow();
    this.lastReason = 'ready';
    this.setState('ready');
    this.events.emit({
      type: 'ready',
      message: 'session ready (nextValidId received)',
      details: { session: session.id },
    });
    this.heartbeatTimer = setInterval(() => this.heartbeat(session), this.options.heartbeatIntervalMs);
    // Heartbeat at once: its answer is what forgets earlier failures, and a session dropped before the first
    // interval ends (seconds, with a 10 s heartbeat) must not make the next reconnect wait longer.
    session.sendUrgent((api) => api.reqCurrentTime());
    this.hooks.ready(session);
  }

  private heartbeat(session: Session): void {
    if (this.session !== session) return;
    const silentMs = this.monotonicNow() - this.lastInboundAt;
    if (silentMs > this.options.heartbeatTimeoutMs) {
      this.events.emit({
        type: 'stalled',
        message: `no message from the gateway for ${Math.round(silentMs)} ms: socket declared dead`,
        details: { session: session.id, silentMs: Math.round(silentMs) },
      });
      this.fail(session, 'stalled', `stalled for ${Math.round(silentMs)} ms`);
      return;
    }
    session.sendUrgent((api) => api.reqCurrentTime());
  }

  private onInfo(session: Session, message: string, code: number): void {
    if (!Number.isFinite(code)) {
      this.events.badInput('status message without a numeric code', { message });
      return;
    }
    switch (code) {
      case CLIENT_ID_IN_USE:
        this.events.emit({
          type: 'client_id_in_use',
          code,
          message: `client id ${this.options.clientId} already in use: ${message}`,
          details: { clientId: this.options.clientId },
        });
        this.fail(session, 'client_id_in_use', message);
        return;
      case 1100:
        this.events.emit({ type: 'status_1100', code, message });
        if (session.isReady()) {
          this.setState('degraded');
          this.hooks.connectivityLost(session);
        }
        return;
      case 1101:
      case 1102:
        this.events.emit({ type: code === 1101 ? 'status_1101' : 'status_1102', code, message });
        if (session.isReady()) {
          this.setState('ready');
          this.hooks.connectivityRestored(session, code === 1101);
        }
        return;
      case SOCKET_PORT_RESET:
        this.fail(session, 'socket_port_reset', message);
        return;
      default:
        if (FARM_STATUS_CODES.has(code)) this.events.emit({ type: 'farm_status', code, message });
        else this.options.logger.info({ code }, message);
    }
  }

  private onError(session: Session, message: string, code: number, reqId: number): void {
    if (Number.isFinite(reqId) && reqId > 0) {
      this.hooks.requestError(session, reqId, code, message);
      return;
    }
    switch (code) {
      case LIBRARY_CONNECT_FAIL:
      case LIBRARY_UNSUPPORTED_VERSION:
        this.fail(session, code === LIBRARY_CONNECT_FAIL ? 'socket_error' : 'unsupported_version', message);
        return;
      case LIBRARY_DECODE_ERROR:
        this.events.badInput('undecodable message', { message });
        return;
      case PACING_VIOLATION:
        this.events.emit({ type: 'pacing', code, message });
        return;
      default:
        this.events.emit({ type: 'error', code: Number.isFinite(code) ? code : undefined, message });
    }
  }

  /** Ends the session (idempotent per session) and, unless stopping, schedules the next attempt. */
  private fail(session: Session, reason: string, message: string, retry = true): void {
    if (this.session !== session) return;
    const wasReady = session.isReady();
    this.clearTimer('handshakeTimer');
    this.clearTimer('heartbeatTimer');
    this.session = null;
    session.end();
    // What the dead connection still had queued is for no one: its handlers are gone.
    this.ingest?.stop();
    this.ingest = null;
    try {
      session.api.disconnect();
    } catch (error) {
      this.options.logger.debug({ err: error }, 'disconnect threw');
    }
    session.api.removeAllListeners();
    this.lastReason = `${reason}: ${message}`;
    this.events.emit({
      type: 'disconnected',
      message: `session ended (${reason}): ${message}`,
      details: { session: session.id, reason, wasReady },
    });
    this.hooks.lost(session);
    if (retry) this.scheduleRetry(reason);
  }

  private scheduleRetry(reason: string): void {
    if (this.stopped) return;
    this.setState('down');
    const delayMs = this.backoff.next();
    this.events.emit({
      type: 'reconnect',
      message: `reconnecting in ${delayMs} ms after ${reason}`,
      details: { reason, delayMs, attempt: this.backoff.attempts() },
    });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect(reason);
    }, delayMs);
  }

  private setState(next: ConnectionState): void {
    if (this.connectionState === next) return;
    this.connectionState = next;
    if (next === 'ready') {
      this.readyGate.open();
    }
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearTimer(name: 'handshakeTimer' | 'heartbeatTimer'): void {
    const timer = this[name];
    if (timer) {
      clearTimeout(timer);
      this[name] = null;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
