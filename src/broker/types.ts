/**
 * The broker interface shared by the SOCKET (TWS / IB Gateway) and PORTAL (Client Portal) adapters.
 * Everything above this line (activities, workflow, aggregation, persistence) sees only these types.
 */
import type { GreeksSource } from '../greeks/sources';

export type ApiMode = 'SOCKET' | 'PORTAL';

/** Where the numbers came from; IBKR can serve live, frozen (last close) or delayed data. */
export type MarketDataType = 'live' | 'frozen' | 'delayed' | 'delayed-frozen';

/**
 * connecting: no usable session yet (TCP/handshake in progress, or portal not authenticated).
 * ready: session up, subscriptions streaming.
 * degraded: session up but the data is stale (TWS 1100 "connectivity lost", portal brokerage session lost).
 * down: no session and none being attempted right now (e.g. between backoff attempts, or stopped).
 */
export type ConnectionState = 'connecting' | 'ready' | 'degraded' | 'down';

export type SecurityType = 'STK' | 'OPT' | 'FOP' | 'FUT' | 'IND' | 'CASH' | 'OTHER';

export interface Position {
  account: string;
  conId: number;
  /** Local symbol as IBKR shows it, e.g. "AAPL  261218C00200000". */
  localSymbol: string;
  /** Underlying symbol used to group the breakdown, e.g. "AAPL", "ES". */
  underlying: string;
  /** conId of the underlying contract when known (needed to look up its price). */
  underlyingConId?: number;
  secType: SecurityType;
  right?: 'C' | 'P';
  strike?: number;
  /** YYYYMMDD */
  expiry?: string;
  /** Contract multiplier; 1 for stocks, 100 for US equity options, e.g. 50 for ES FOP. */
  multiplier: number;
  /** Signed quantity; never 0 (zero rows are dropped by the adapters). */
  quantity: number;
  avgCost?: number;
  currency: string;
}

/** Per-share (per-unit of underlying) Greeks as the broker's model computed them. */
export interface OptionGreeks {
  conId: number;
  /** null when the broker did not compute it (sentinel) or never sent it. */
  delta: number | null;
  gamma: number | null;
  /** Per 1 volatility point (0.01 change in IV), per share: IBKR's convention. */
  vega: number | null;
  /** Per calendar day, per share: IBKR's convention. */
  theta: number | null;
  impliedVol: number | null;
  /** Underlying price the broker used for this computation, when sent. */
  underlyingPrice: number | null;
  optionPrice: number | null;
  /** Epoch ms at which the adapter received the last good computation. */
  computedAt: number;
  marketDataType: MarketDataType;
  /** True when the feed is known stale (1100, sentinel after a good value, subscription lost). */
  stale: boolean;
  /** Which computation these values are (greeks/sources.ts); IB's model when absent. */
  source?: GreeksSource;
  /** For the local model: when the implied volatility behind these values was received (computedAt is the price's). */
  ivAt?: number;
  /**
   * Present value of the dividends expected until expiry, per share, as IB's model used it (TWS's pvDividend); the
   * local model discounts the spot by it. Absent or null when IB sent none.
   */
  pvDividend?: number | null;
}

export interface PriceQuote {
  conId: number;
  price: number;
  at: number;
  marketDataType: MarketDataType;
}

/** The beta benchmark's latest price from its own market-data line (BETA_BENCHMARK). */
export interface BenchmarkQuote {
  symbol: string;
  /** Currency the benchmark is quoted in. */
  currency: string;
  price: number;
  /** Epoch ms at which the adapter received the price. */
  at: number;
  marketDataType: MarketDataType;
}

/**
 * IBKR's own exchange rates for one account: how many units of the account's base currency one unit of each
 * currency is worth (SOCKET: the `ExchangeRate` account values; PORTAL: the ledger's `exchangerate`).
 */
export interface ExchangeRates {
  /** The account's base currency; null until the broker has said which it is. */
  baseCurrency: string | null;
  /** Keyed by ISO currency code; the base currency itself is 1. */
  rates: Record<string, number>;
}

export interface PnlFigures {
  daily: number | null;
  unrealized: number | null;
  realized: number | null;
}

/** What the adapter holds right now for one account. Built from memory: no network wait. */
export interface BrokerSnapshot {
  account: string;
  mode: ApiMode;
  /** Epoch ms when the snapshot was taken. */
  takenAt: number;
  connection: ConnectionState;
  positions: Position[];
  /** keyed by option conId */
  greeks: Record<number, OptionGreeks>;
  /** keyed by underlying conId */
  underlyingPrices: Record<number, PriceQuote>;
  pnl: PnlFigures | null;
  /** The market-data type the adapter currently requests. */
  marketDataType: MarketDataType;
  /** The beta benchmark's price: null while it has none, absent when no benchmark is configured. */
  benchmark?: BenchmarkQuote | null;
  /** The account's exchange rates; absent when the adapter reports none (then no figure can be converted). */
  exchangeRates?: ExchangeRates;
  /**
   * True once the position list of the current session is complete (SOCKET: positionEnd after the last connect or
   * 1101; PORTAL: every page read since the last session start). Until then `positions` may be partial, or the
   * previous session's, and no figure may be computed from it.
   */
  positionsComplete: boolean;
}

/** Lifecycle events; the persistence layer writes each to api_logs. */
export type BrokerEventType =
  | 'connecting'
  | 'connected'
  | 'ready'
  | 'disconnected'
  | 'status_1100'
  | 'status_1101'
  | 'status_1102'
  | 'farm_status'
  | 'stalled'
  | 'reconnect'
  | 'client_id_in_use'
  | 'market_data_type_fallback'
  | 'line_budget_exceeded'
  | 'pacing'
  | 'auth_lost'
  | 'reauthenticated'
  | 'rate_limited'
  | 'outage'
  | 'bad_input'
  | 'account_not_managed'
  | 'error';

export interface BrokerEvent {
  type: BrokerEventType;
  /** Epoch ms */
  at: number;
  mode: ApiMode;
  account?: string;
  /** IB error/status code when there is one (1100, 326, 2104, ...). */
  code?: number;
  message: string;
  /** Free-form, JSON-serialisable. Never secrets. */
  details?: Record<string, unknown>;
}

export type BrokerEventListener = (event: BrokerEvent) => void;

export interface Broker {
  readonly mode: ApiMode;
  /** Starts connecting (and keeps reconnecting by itself) without waiting. */
  start(): void;
  /** Resolves when state is 'ready'; rejects after timeoutMs with the last known reason. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  state(): ConnectionState;
  /**
   * What a person must do before data can flow, in words that say how (sign IBKR's market data API acknowledgement,
   * ...); null while nothing waits on a human. The human_needed alert quotes it instead of its generic advice.
   */
  humanActionNeeded?(): string | null;
  /** Accounts the session manages (empty until known). */
  accounts(): string[];
  /** In-memory snapshot for one account; never waits on the network. */
  snapshot(account: string): BrokerSnapshot;
  /** Drops the session and connects again, re-subscribing everything. */
  reconnect(reason: string): Promise<void>;
  /** Subscribes to lifecycle events; returns an unsubscribe function. */
  onEvent(listener: BrokerEventListener): () => void;
  /** Closes the session and stops reconnecting. */
  stop(): Promise<void>;
}
