import { BROKER_DEFAULTS } from '../defaults';
import type { RateLimiterOptions } from './rateLimiter';
import type { Clock } from '../plumbing/clock';
import type { BrokerLogger } from '../plumbing/logger';

export interface PortalBrokerOptions {
  /** Gateway origin, IB_PORTAL_URL. The API lives under /v1/api. Default https://localhost:5000. */
  baseUrl?: string;
  /** IB_ACCOUNT: the account to follow; default every account the gateway lists. */
  account?: string;
  /** BETA_BENCHMARK: a US stock or ETF whose price is polled with the positions' conids, held or not. */
  betaBenchmark?: string | null;
  /** IB_PORTAL_CA_FILE: PEM of the gateway's certificate (or its CA) to trust. */
  caFile?: string;
  /**
   * IB_PORTAL_CERT_SHA256: SHA-256 fingerprint of the gateway's certificate, trusted whatever its dates and names (the
   * gateway's bundled certificate is expired and names no host).
   */
  certSha256?: string;
  /** IB_PORTAL_INSECURE_TLS=true: skip certificate verification (warned once). */
  insecureTls?: boolean;
  /** POST /tickle period; the gateway drops a session after ~6 minutes of silence. Default 60 s. */
  tickleIntervalMs?: number;
  /** Period of the background /iserver/marketdata/snapshot poll that keeps Greeks fresh. Default 1 s. */
  snapshotPollIntervalMs?: number;
  /** Period of the positions reload (invalidate + paged read). Default 5 s. */
  positionsRefreshIntervalMs?: number;
  /** Conids per snapshot request. Default 50. */
  snapshotBatchSize?: number;
  /** A conid whose last row is older than this is flagged stale. Default 5 × the poll interval, at least 10 s. */
  staleAfterMs?: number;
  /**
   * After a conid's pre-flight, how long readiness waits for its data (the four Greeks of an option, the price of an
   * underlying) before calling itself ready without it, the gap then showing in coverage. Default 20 s.
   */
  firstDataWaitMs?: number;
  /** Per-request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  /** Wait between session attempts while the gateway is unusable: doubles from initial to max. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** ssodh/init compete=true when another platform holds the session (logs that platform out). Default false. */
  takeOverCompetingSession?: boolean;
  rateLimit?: Omit<RateLimiterOptions, 'now'>;
  /** Only the timestamps come from it; timers are real. */
  clock?: Clock;
  logger?: BrokerLogger;
}

export type ResolvedPortalOptions = Required<
  Omit<PortalBrokerOptions, 'account' | 'caFile' | 'certSha256' | 'clock' | 'logger' | 'rateLimit' | 'staleAfterMs'>
> &
  Pick<PortalBrokerOptions, 'account' | 'caFile' | 'certSha256' | 'rateLimit'> & { staleAfterMs: number };

export const DEFAULT_PORTAL_URL = BROKER_DEFAULTS.portalUrl;

export function resolvePortalOptions(options: PortalBrokerOptions): ResolvedPortalOptions {
  const snapshotPollIntervalMs = positive('snapshotPollIntervalMs', options.snapshotPollIntervalMs, 1000);
  return {
    baseUrl: options.baseUrl ?? DEFAULT_PORTAL_URL,
    account: options.account || undefined,
    betaBenchmark: options.betaBenchmark || null,
    caFile: options.caFile || undefined,
    certSha256: options.certSha256 || undefined,
    insecureTls: options.insecureTls === true,
    tickleIntervalMs: positive('tickleIntervalMs', options.tickleIntervalMs, 60_000),
    snapshotPollIntervalMs,
    positionsRefreshIntervalMs: positive('positionsRefreshIntervalMs', options.positionsRefreshIntervalMs, 5000),
    snapshotBatchSize: positive('snapshotBatchSize', options.snapshotBatchSize, 50),
    staleAfterMs: positive('staleAfterMs', options.staleAfterMs, Math.max(10_000, 5 * snapshotPollIntervalMs)),
    firstDataWaitMs: positive('firstDataWaitMs', options.firstDataWaitMs, 20_000),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    retryInitialMs: positive('retryInitialMs', options.retryInitialMs, 1000),
    retryMaxMs: positive('retryMaxMs', options.retryMaxMs, 30_000),
    takeOverCompetingSession: options.takeOverCompetingSession === true,
    rateLimit: options.rateLimit,
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`PORTAL option ${name} must be a positive number, got ${value}`);
  return value;
}
