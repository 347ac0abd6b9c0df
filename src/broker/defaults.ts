import type { MarketDataType } from './types';

/**
 * Defaults of the broker settings the environment can also set. Defined here once: config/schema.ts uses them for
 * its defaults, and the adapters for options a caller leaves out.
 */
export const BROKER_DEFAULTS = Object.freeze({
  /** IB Gateway's paper-trading API port (TWS paper uses 7497). */
  socketHost: '127.0.0.1',
  socketPort: 4002,
  clientId: 10,
  marketDataType: 'live' as MarketDataType,
  /** Kept under IBKR's base allowance of 100 simultaneous market data lines per login. */
  maxMarketDataLines: 95,
  /** The Client Portal Gateway's own default listen address. */
  portalUrl: 'https://localhost:5000',
});
