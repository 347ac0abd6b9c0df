/**
 * The Client Portal Gateway limits IBKR documents for the endpoints the adapter calls. The adapter stays under them
 * with a safety margin; the fake Client Portal enforces IBKR's figures from its own table.
 */
export interface RateLimit {
  /** Requests allowed in any window of windowMs. */
  limit: number;
  windowMs: number;
}

export const DOCUMENTED_GLOBAL_LIMIT: RateLimit = { limit: 10, windowMs: 1000 };

export const DOCUMENTED_ENDPOINT_LIMITS: Readonly<Record<string, RateLimit>> = {
  '/iserver/marketdata/snapshot': { limit: 10, windowMs: 1000 },
  '/tickle': { limit: 1, windowMs: 1000 },
  '/sso/validate': { limit: 1, windowMs: 60_000 },
  '/portfolio/accounts': { limit: 1, windowMs: 5000 },
  '/portfolio/subaccounts': { limit: 1, windowMs: 5000 },
  '/iserver/account/orders': { limit: 1, windowMs: 5000 },
  '/iserver/trades': { limit: 1, windowMs: 5000 },
  '/iserver/account/pnl/partitioned': { limit: 1, windowMs: 5000 },
};

/** The key a path is limited under: the path itself when it has a documented limit, otherwise none. */
export function endpointLimitKey(path: string): string | undefined {
  const bare = path.split('?')[0].replace(/\/+$/, '');
  return Object.prototype.hasOwnProperty.call(DOCUMENTED_ENDPOINT_LIMITS, bare) ? bare : undefined;
}
