import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RateLimiter } from './rateLimiter';
import { describeTlsFailure, type TlsAgent } from './tls';

export type PortalErrorKind = 'network' | 'timeout' | 'tls' | 'http' | 'rate_limited' | 'invalid_json';

/** Every failed call to the gateway, with the endpoint and a reason fit for a log line (no cookies, no bodies). */
export class PortalRequestError extends Error {
  constructor(
    readonly kind: PortalErrorKind,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
    readonly errorCode?: string,
    /** The gateway's own `error` text on a refused call (e.g. "Bad Request: no bridge"), at most 120 characters. */
    readonly gatewayError?: string,
  ) {
    super(message);
    this.name = 'PortalRequestError';
  }
}

/** An answer the gateway gave but the adapter cannot use (not a lost session, network or rate limit). */
export function isRefusedAnswer(error: unknown): error is PortalRequestError {
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

export interface PortalHttpClientOptions {
  baseUrl: string;
  tls: TlsAgent;
  limiter: RateLimiter;
  timeoutMs: number;
  /** Called once per 429 with the pause the limiter imposed. */
  onRateLimited?: (endpoint: string, pauseMs: number) => void;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * JSON over node:http(s) to `<baseUrl>/v1/api`. Keeps the gateway's session cookies in memory (they are sent back,
 * never logged or exposed), waits for the rate limiter before each request and turns every failure into a
 * PortalRequestError.
 */
export class PortalHttpClient {
  private readonly origin: URL;
  private readonly apiPrefix: string;
  private readonly cookies = new Map<string, string>();

  constructor(private readonly options: PortalHttpClientOptions) {
    this.origin = new URL(options.baseUrl);
    const path = this.origin.pathname.replace(/\/+$/, '');
    this.apiPrefix = path.endsWith('/v1/api') ? path : `${path}/v1/api`;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async get(path: string, query?: Record<string, string>): Promise<unknown> {
    return this.send('GET', path, undefined, query);
  }

  async post(path: string, body?: unknown): Promise<unknown> {
    return this.send('POST', path, body ?? {});
  }

  private async send(method: string, path: string, body?: unknown, query?: Record<string, string>): Promise<unknown> {
    await this.options.limiter.acquire(path);
    const url = new URL(this.apiPrefix + path, this.origin);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const response = await this.exchange(method, url, path, payload);
    if (response.status === 429) {
      const pauseMs = this.options.limiter.penalize(parseRetryAfter(response.retryAfter));
      this.options.onRateLimited?.(path, pauseMs);
      throw new PortalRequestError(
        'rate_limited',
        path,
        `429 Too Many Requests on ${path}: pausing ${pauseMs} ms`,
        429,
      );
    }
    this.options.limiter.noteSuccess();
    if (response.status < 200 || response.status >= 300) {
      const gatewayError = gatewayErrorText(response.body);
      throw new PortalRequestError(
        'http',
        path,
        `${method} ${path} answered HTTP ${response.status}${gatewayError ? `: ${gatewayError}` : ''}`,
        response.status,
        undefined,
        gatewayError,
      );
    }
    if (response.body.length === 0) return null;
    try {
      return JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      throw new PortalRequestError(
        'invalid_json',
        path,
        `invalid JSON from ${path} (${response.body.length} bytes): ${(error as Error).message}`,
        response.status,
      );
    }
  }

  private exchange(
    method: string,
    url: URL,
    endpoint: string,
    payload: Buffer | undefined,
  ): Promise<{ status: number; body: Buffer; retryAfter?: string }> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'ibkr-greeks-bridge' };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.cookies.size > 0) {
      headers.Cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: PortalRequestError) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const request = send(url, { method, headers, agent: this.options.tls.agent }, (response: IncomingMessage) => {
        this.keepCookies(response.headers['set-cookie']);
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            request.destroy();
            fail(
              new PortalRequestError('network', endpoint, `response from ${endpoint} exceeds ${MAX_BODY_BYTES} bytes`),
            );
          } else chunks.push(chunk);
        });
        response.on('error', (error) => fail(this.networkError(endpoint, error)));
        response.on('aborted', () =>
          fail(new PortalRequestError('network', endpoint, `${endpoint}: response aborted`)),
        );
        response.on('end', () => {
          if (settled) return;
          settled = true;
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), retryAfter });
        });
      });
      request.setTimeout(this.options.timeoutMs, () => {
        fail(new PortalRequestError('timeout', endpoint, `${endpoint}: no answer within ${this.options.timeoutMs} ms`));
        request.destroy();
      });
      request.on('error', (error) => fail(this.networkError(endpoint, error)));
      request.end(payload);
    });
  }

  private networkError(endpoint: string, error: NodeJS.ErrnoException): PortalRequestError {
    const tlsReason = describeTlsFailure(error, this.options.baseUrl);
    if (tlsReason) return new PortalRequestError('tls', endpoint, tlsReason, undefined, error.code);
    const code = error.code ? ` (${error.code})` : '';
    return new PortalRequestError(
      'network',
      endpoint,
      `${endpoint}: ${this.origin.origin} unreachable${code}: ${error.message}`,
      undefined,
      error.code,
    );
  }

  private keepCookies(setCookie: string[] | undefined): void {
    for (const header of setCookie ?? []) {
      const pair = header.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}

/** The `error` string of a JSON error body, cut short and reduced to printable characters (it reaches logs). */
function gatewayErrorText(body: Buffer): string | undefined {
  if (body.length === 0 || body.length > 4096) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    if (typeof parsed?.error !== 'string') return undefined;
    return parsed.error.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
  } catch {
    return undefined;
  }
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
