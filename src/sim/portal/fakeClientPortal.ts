import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createMarketModel, type MarketModel, type ModelGreeks, type Portfolio } from '../model';
import { gatewayBundledCertificate, selfSignedCertificate } from './certificate';
import { CONTROL_PREFIX, runControlAction } from './controlRoutes';
import {
  inOutageWindow,
  ServerRateLimits,
  takeCounted,
  type CorruptionKind,
  type CountedFault,
  type OutageWindow,
  type RateLimitSettings,
} from './faults';
import { PortalApi, type PortalApiSettings } from './portalApi';
import { DEFAULT_FIELD_DELAYS, type AvailabilityCode } from './rowFormat';
import { FakeSession, type BrokerageState, type SessionSettings } from './sessionState';

export interface FakeClientPortalOptions {
  /** HTTPS with a certificate generated at start (true) or plain HTTP (false). */
  tls: boolean;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  seed: number;
  /** Market clock (epoch ms) shared with the model; default Date.now. */
  clock?: () => number;
  portfolio?: Portfolio;
  /** Use an existing model instead (to share it with a TWS simulator). */
  model?: MarketModel;
  session?: Partial<SessionSettings>;
  rateLimit?: Partial<RateLimitSettings>;
  api?: Partial<PortalApiSettings>;
  /** Nightly /iserver outage in market-clock time; none by default. */
  outageWindow?: OutageWindow;
  /** After an outage the brokerage session is gone and must be re-authenticated. Default true. */
  outageDropsBrokerageSession?: boolean;
  /** Fresh key pair instead of the process-wide cached one. */
  freshCertificate?: boolean;
  /**
   * 'localhost' (default): valid for localhost/127.0.0.1. 'gatewayBundled': like the real gateway's own, self-signed,
   * expired, CN "Client Portal Web API" with no alternative names.
   */
  certificate?: 'localhost' | 'gatewayBundled';
  /** Serve POST /__control/<action> (docs/portal.md) for a fake running as its own process. Default false. */
  controlEndpoint?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Wall-clock ms when the request arrived. */
  at: number;
  status: number | 'reset';
}

export interface FakeClientPortalControl {
  readonly model: MarketModel;
  /** Browser login: starts a fresh read-only and brokerage session. */
  login(): void;
  /** Ends the session: every call answers 401, /tickle answers {"error":"no session"}. */
  logout(): void;
  /** 'lost': connected but not authenticated (reauthenticate/ssodh init restore it); 'competing': another platform. */
  setBrokerageSession(state: BrokerageState): void;
  sessionState(): { loggedIn: boolean; brokerage: BrokerageState };
  /** Changes idle expiry (ms without tickle) at run time. */
  setIdleTimeout(ms: number): void;
  /** /iserver answers 503/500 (and /tickle reports connected:false) for durationMs of wall-clock time. */
  startOutage(durationMs: number): void;
  endOutage(): void;
  /** The next `count` matching requests get 429; with penaltyBoxMs everything does for that long after. */
  forceRateLimit(fault: CountedFault): void;
  /** Delay every response by ms (0 to stop); jitterMs adds a seeded-free uniform extra. */
  setLatency(ms: number, jitterMs?: number): void;
  /** The next `count` matching responses are cut in half or replaced by invalid JSON. */
  corruptResponses(kind: CorruptionKind, fault: CountedFault): void;
  /** The next `count` matching requests get their connection reset instead of an answer. */
  resetConnections(fault: CountedFault): void;
  /** 6509 for every conid: R live, D delayed, Z frozen, Y delayed-frozen, N not subscribed, O acknowledgement due. */
  setAvailability(code: AvailabilityCode): void;
  setHalted(conId: number, halted: boolean): void;
  /** A frozen stream: the conid's rows repeat the values and the _updated of the next row from now on, until unfrozen. */
  freezeConId(conId: number, frozen: boolean): void;
  /** Sends these raw strings for a conid's fields (e.g. {"7308": "N/A"}); null clears. */
  setFieldOverrides(conId: number, overrides: Record<string, string> | null): void;
  requests(pathPrefix?: string): RequestRecord[];
  clearRequests(): void;
  /** Requests answered 429 so far. */
  rateLimitedCount(): number;
  /** The session cookie the gateway sets (to prove it never reaches a log). */
  sessionCookie(): string;
  subscribedConIds(): number[];
  /** Per-share Greeks of the last snapshot row that carried them for conId. */
  lastSentGreeks(conId: number): ModelGreeks | undefined;
}

export interface FakeClientPortal {
  /** Origin, e.g. https://localhost:5123 (the API is under /v1/api). */
  url: string;
  port: number;
  /** PEM certificate to trust (tls only). */
  caPem?: string;
  close(): Promise<void>;
  control: FakeClientPortalControl;
}

const API_PREFIX = '/v1/api';
const MAX_REQUEST_BODY = 1024 * 1024;

/** Starts a fake Client Portal Gateway (docs/portal.md) serving the shared market model. */
export async function startFakeClientPortal(options: FakeClientPortalOptions): Promise<FakeClientPortal> {
  const clock = options.clock ?? Date.now;
  const model = options.model ?? createMarketModel({ seed: options.seed, portfolio: options.portfolio, clock });
  // The session calls back only after start-up, when portalApi exists.
  const session = new FakeSession(options.session ?? {}, () => portalApi.resetSubscriptions());
  const portalApi = new PortalApi(
    model,
    session,
    { enforceCallOrder: true, derivativesNeedSecdefSearch: true, fieldDelays: DEFAULT_FIELD_DELAYS, ...options.api },
    clock,
  );
  const limits = new ServerRateLimits({ enabled: true, penaltyBoxMs: 0, ...options.rateLimit });
  const outageDropsBrokerage = options.outageDropsBrokerageSession ?? true;

  const forced429: CountedFault[] = [];
  const resets: CountedFault[] = [];
  const corruptions: { kind: CorruptionKind; fault: CountedFault }[] = [];
  let latencyMs = 0;
  let jitterMs = 0;
  let manualOutageUntil = 0;
  let wasInOutage = false;
  let rateLimited = 0;
  const log: RequestRecord[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  function inOutage(): boolean {
    const now = inOutageNow();
    if (wasInOutage && !now && outageDropsBrokerage && session.loggedIn) session.setBrokerage('lost');
    wasInOutage = now;
    return now;
  }
  function inOutageNow(): boolean {
    if (Date.now() < manualOutageUntil) return true;
    return options.outageWindow ? inOutageWindow(options.outageWindow, clock()) : false;
  }

  function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const record: RequestRecord = { method, path: url.pathname.slice(API_PREFIX.length), at: Date.now(), status: 0 };
    log.push(record);
    if (log.length > 100_000) log.splice(0, 50_000);
    const path = record.path;

    if (takeCounted(resets, path)) {
      record.status = 'reset';
      const socket = request.socket as Socket & { resetAndDestroy?: () => void };
      // A TCP RST where the socket allows it (plain HTTP); a TLS socket can only be torn down ("socket hang up").
      try {
        if (socket.resetAndDestroy) socket.resetAndDestroy();
        else socket.destroy();
      } catch {
        socket.destroy();
      }
      return;
    }
    let status: number;
    let payload: unknown;
    if (options.controlEndpoint && url.pathname.startsWith(`${CONTROL_PREFIX}/`) && method === 'POST') {
      const answer = runControlAction(control, url.pathname.slice(CONTROL_PREFIX.length + 1), url.searchParams);
      response.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(answer.body));
      log.pop();
      return;
    }
    if (!url.pathname.startsWith(API_PREFIX)) {
      [status, payload] = [404, { error: 'not found' }];
    } else if (takeCounted(forced429, path) || limits.exceeds(path, Date.now())) {
      limits.startPenalty(Date.now());
      rateLimited += 1;
      [status, payload] = [429, { error: 'Too many requests' }];
    } else {
      session.expireIfIdle();
      session.noteRequest(path === '/tickle');
      let parsedBody: unknown = undefined;
      if (body.length > 0) {
        try {
          parsedBody = JSON.parse(body.toString('utf8'));
        } catch {
          parsedBody = undefined;
        }
      }
      const outage = inOutage();
      const answer = portalApi.handle({ method, path, query: url.searchParams, body: parsedBody }, outage);
      status = answer.status;
      payload = answer.body;
      // The gateway alternates 500 and 503 while IBKR restarts.
      if (status === 503 && log.length % 2 === 0) status = 500;
    }
    record.status = status;
    let text = JSON.stringify(payload);
    const corruption = corruptions.find((entry) => takeCounted([entry.fault], path) || false);
    if (corruption) {
      text =
        corruption.kind === 'truncated'
          ? text.slice(0, Math.max(1, Math.floor(text.length / 2)))
          : `{"conid": 1,, oops`;
      if (corruption.fault.count <= 0) corruptions.splice(corruptions.indexOf(corruption), 1);
    }
    const headers: Record<string, string | string[]> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Set-Cookie': [`x-sess-uuid=${session.cookie}; Path=/; Secure; HttpOnly`],
    };
    if (status === 429 && limits.settings.retryAfterSeconds !== undefined) {
      headers['Retry-After'] = String(limits.settings.retryAfterSeconds);
    }
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(status, headers);
      response.end(text);
    };
    const delay = latencyMs + (jitterMs > 0 ? Math.random() * jitterMs : 0);
    if (delay <= 0) send();
    else {
      const timer = setTimeout(() => {
        pending.delete(timer);
        send();
      }, delay);
      pending.add(timer);
    }
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => handle(request, response, Buffer.concat(chunks)));
    request.on('error', () => undefined);
  };

  let caPem: string | undefined;
  let server: Server;
  if (options.tls) {
    const certificate =
      options.certificate === 'gatewayBundled'
        ? gatewayBundledCertificate()
        : selfSignedCertificate(options.freshCertificate);
    caPem = certificate.certPem;
    server = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, listener);
  } else {
    server = createHttpServer(listener);
  }
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostname = options.tls ? 'localhost' : host;

  let closed = false;
  const control: FakeClientPortalControl = {
    model,
    login: () => session.login(),
    logout: () => session.logout(),
    setBrokerageSession: (state) => session.setBrokerage(state),
    sessionState: () => ({ loggedIn: session.loggedIn, brokerage: session.brokerage }),
    setIdleTimeout: (ms) => {
      session.settings.idleTimeoutMs = ms;
    },
    startOutage: (durationMs) => {
      manualOutageUntil = Date.now() + durationMs;
    },
    endOutage: () => {
      manualOutageUntil = 0;
    },
    forceRateLimit: (fault) => forced429.push({ ...fault }),
    setLatency: (ms, jitter = 0) => {
      latencyMs = ms;
      jitterMs = jitter;
    },
    corruptResponses: (kind, fault) => corruptions.push({ kind, fault: { ...fault } }),
    resetConnections: (fault) => resets.push({ ...fault }),
    setAvailability: (code) => {
      portalApi.availability = code;
    },
    setHalted: (conId, halted) => {
      if (halted) portalApi.halted.add(conId);
      else portalApi.halted.delete(conId);
    },
    freezeConId: (conId, frozen) => {
      if (!frozen) portalApi.frozen.delete(conId);
      else if (!portalApi.frozen.has(conId)) portalApi.frozen.set(conId, undefined);
    },
    setFieldOverrides: (conId, overrides) => {
      if (overrides) portalApi.fieldOverrides.set(conId, overrides);
      else portalApi.fieldOverrides.delete(conId);
    },
    requests: (pathPrefix) => log.filter((entry) => !pathPrefix || entry.path.startsWith(pathPrefix)),
    clearRequests: () => {
      log.length = 0;
    },
    rateLimitedCount: () => rateLimited,
    sessionCookie: () => session.cookie,
    subscribedConIds: () => portalApi.subscribedConIds(),
    lastSentGreeks: (conId) => portalApi.lastSentGreeks.get(conId),
  };

  return {
    url: `${options.tls ? 'https' : 'http'}://${hostname}:${port}`,
    port,
    caPem,
    control,
    close: async () => {
      if (closed) return;
      closed = true;
      session.close();
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}
