import { BROKER_DEFAULTS } from '../defaults';
import type { MarketDataType } from '../types';
import { systemClock, type Clock } from '../plumbing/clock';
import { silentLogger, type BrokerLogger } from '../plumbing/logger';
import { IB_MESSAGES_PER_SECOND } from './pacer';
import { ROTATION_DEFAULTS, type RotationSettings } from './lineRotation';

export interface SocketBrokerOptions {
  host: string;
  port: number;
  /** Fixed client id, reused on every reconnect (IB_CLIENT_ID). */
  clientId?: number;
  /** Account whose P&L is subscribed; all managed accounts when absent. */
  account?: string;
  /** Requested market-data type; falls back to delayed by itself when live is not permitted. */
  marketDataType?: MarketDataType;
  /** Streaming lines this adapter may use (IB_MAX_MARKET_DATA_LINES). */
  maxMarketDataLines?: number;
  /** BETA_BENCHMARK: a US stock or ETF whose price gets its own line (counted in the budget), held or not. */
  betaBenchmark?: string | null;
  /** From TCP connect to nextValidId. */
  handshakeTimeoutMs?: number;
  /** How often reqCurrentTime is sent while the session is up. */
  heartbeatIntervalMs?: number;
  /** Silence (no inbound message at all) after which the socket is declared stalled and replaced. */
  heartbeatTimeoutMs?: number;
  reconnectMinDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /**
   * Reconnect attempts made at the minimum delay before the delay starts doubling: a gateway back from a restart of
   * up to this many seconds is found within one minimum delay, so its Greeks are back by the next slot.
   */
  reconnectSteadyAttempts?: number;
  /**
   * Steady outgoing messages per second (IB_MAX_MESSAGES_PER_SECOND). Any one second holds at most this plus a burst
   * of 5, capped 4 under IB's 50 (46 at the default 45: see pacerWindowLimit); IB answers error 100 above 50.
   */
  maxMessagesPerSecond?: number;
  /** How options take turns on the lines when they need more than the budget leaves (lineRotation.ts). */
  lineRotation?: Partial<RotationSettings>;
  /** A line that hears nothing this long after its request was sent is asked again (then after twice as long). */
  silentLineMs?: number;
  /** Wall clock for the timestamps the adapter records (Greeks, events). Timers always use real time. */
  clock?: Clock;
  logger?: BrokerLogger;
}

export interface ResolvedSocketBrokerOptions {
  host: string;
  port: number;
  clientId: number;
  account: string | null;
  marketDataType: MarketDataType;
  maxMarketDataLines: number;
  betaBenchmark: string | null;
  handshakeTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  reconnectSteadyAttempts: number;
  maxMessagesPerSecond: number;
  lineRotation: RotationSettings;
  silentLineMs: number;
  clock: Clock;
  logger: BrokerLogger;
}

export const SOCKET_BROKER_DEFAULTS = Object.freeze({
  clientId: BROKER_DEFAULTS.clientId,
  marketDataType: BROKER_DEFAULTS.marketDataType,
  maxMarketDataLines: BROKER_DEFAULTS.maxMarketDataLines,
  handshakeTimeoutMs: 10_000,
  heartbeatIntervalMs: 10_000,
  heartbeatTimeoutMs: 30_000,
  reconnectMinDelayMs: 1_000,
  reconnectMaxDelayMs: 60_000,
  reconnectSteadyAttempts: 30,
  maxMessagesPerSecond: 45,
  silentLineMs: 15_000,
});

const MARKET_DATA_TYPES: readonly MarketDataType[] = ['live', 'frozen', 'delayed', 'delayed-frozen'];

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`socket broker option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Applies defaults and rejects impossible values with a one-line message naming the option. */
export function resolveSocketBrokerOptions(options: SocketBrokerOptions): ResolvedSocketBrokerOptions {
  if (typeof options.host !== 'string' || options.host.length === 0) {
    throw new Error('socket broker option host must be a non-empty string');
  }
  const marketDataType = options.marketDataType ?? SOCKET_BROKER_DEFAULTS.marketDataType;
  if (!MARKET_DATA_TYPES.includes(marketDataType)) {
    throw new Error(`socket broker option marketDataType must be one of ${MARKET_DATA_TYPES.join(', ')}`);
  }
  const d = SOCKET_BROKER_DEFAULTS;
  const resolved: ResolvedSocketBrokerOptions = {
    host: options.host,
    port: requireInteger('port', options.port, 1, 65_535),
    clientId: requireInteger('clientId', options.clientId ?? d.clientId, 0, 2_147_483_647),
    account: options.account ? options.account : null,
    marketDataType,
    maxMarketDataLines: requireInteger('maxMarketDataLines', options.maxMarketDataLines ?? d.maxMarketDataLines, 1),
    betaBenchmark: options.betaBenchmark ? options.betaBenchmark : null,
    handshakeTimeoutMs: requireInteger('handshakeTimeoutMs', options.handshakeTimeoutMs ?? d.handshakeTimeoutMs, 1),
    heartbeatIntervalMs: requireInteger('heartbeatIntervalMs', options.heartbeatIntervalMs ?? d.heartbeatIntervalMs, 1),
    heartbeatTimeoutMs: requireInteger('heartbeatTimeoutMs', options.heartbeatTimeoutMs ?? d.heartbeatTimeoutMs, 1),
    reconnectMinDelayMs: requireInteger('reconnectMinDelayMs', options.reconnectMinDelayMs ?? d.reconnectMinDelayMs, 0),
    reconnectMaxDelayMs: requireInteger('reconnectMaxDelayMs', options.reconnectMaxDelayMs ?? d.reconnectMaxDelayMs, 0),
    reconnectSteadyAttempts: requireInteger(
      'reconnectSteadyAttempts',
      options.reconnectSteadyAttempts ?? d.reconnectSteadyAttempts,
      0,
    ),
    maxMessagesPerSecond: requireInteger(
      'maxMessagesPerSecond',
      options.maxMessagesPerSecond ?? d.maxMessagesPerSecond,
      1,
      IB_MESSAGES_PER_SECOND,
    ),
    lineRotation: resolveRotation(options.lineRotation ?? {}),
    silentLineMs: requireInteger('silentLineMs', options.silentLineMs ?? d.silentLineMs, 1),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
  if (resolved.heartbeatTimeoutMs <= resolved.heartbeatIntervalMs) {
    throw new Error('socket broker option heartbeatTimeoutMs must be greater than heartbeatIntervalMs');
  }
  if (resolved.reconnectMaxDelayMs < resolved.reconnectMinDelayMs) {
    throw new Error('socket broker option reconnectMaxDelayMs must not be below reconnectMinDelayMs');
  }
  return resolved;
}

function resolveRotation(options: Partial<RotationSettings>): RotationSettings {
  const d = ROTATION_DEFAULTS;
  const minDwellMs = requireInteger('lineRotation.minDwellMs', options.minDwellMs ?? d.minDwellMs, 0);
  return {
    minDwellMs,
    maxDwellMs: requireInteger('lineRotation.maxDwellMs', options.maxDwellMs ?? d.maxDwellMs, Math.max(1, minDwellMs)),
    changesPerSecond: requireInteger(
      'lineRotation.changesPerSecond',
      options.changesPerSecond ?? d.changesPerSecond,
      1,
    ),
    budgetRetryMs: requireInteger('lineRotation.budgetRetryMs', options.budgetRetryMs ?? d.budgetRetryMs, 1),
  };
}
