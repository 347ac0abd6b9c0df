/**
 * The gateway's request limits as IBKR's Client Portal Web API documentation publishes them ("Pacing Limitations"),
 * kept here on the gateway's side so that the fake enforces what IBKR states, not what the adapter believes: a wrong
 * figure in the adapter's own table then shows up as 429s in the tests.
 */
export interface DocumentedLimit {
  /** Requests allowed in any window of windowMs. */
  limit: number;
  windowMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Per username through the Client Portal Gateway (OAuth and direct access allow 50 per second). */
export const GATEWAY_GLOBAL_LIMIT: DocumentedLimit = { limit: 10, windowMs: SECOND };

/** Exact paths with their own limit. */
const EXACT_LIMITS: Readonly<Record<string, DocumentedLimit>> = {
  '/iserver/marketdata/snapshot': { limit: 10, windowMs: SECOND },
  '/iserver/scanner/run': { limit: 1, windowMs: SECOND },
  '/iserver/scanner/params': { limit: 1, windowMs: 15 * MINUTE },
  '/iserver/account/orders': { limit: 1, windowMs: 5 * SECOND },
  '/iserver/account/pnl/partitioned': { limit: 1, windowMs: 5 * SECOND },
  '/iserver/trades': { limit: 1, windowMs: 5 * SECOND },
  '/portfolio/accounts': { limit: 1, windowMs: 5 * SECOND },
  '/portfolio/subaccounts': { limit: 1, windowMs: 5 * SECOND },
  '/sso/validate': { limit: 1, windowMs: MINUTE },
  '/tickle': { limit: 1, windowMs: SECOND },
  '/pa/performance': { limit: 1, windowMs: 15 * MINUTE },
  '/pa/summary': { limit: 1, windowMs: 15 * MINUTE },
  '/pa/transactions': { limit: 1, windowMs: 15 * MINUTE },
};

/** Path families sharing one limit. */
const PREFIX_LIMITS: readonly [string, DocumentedLimit][] = [['/fyi/', { limit: 1, windowMs: SECOND }]];

/** The key (and limit) a request path is counted under, or undefined when only the global limit applies. */
export function documentedLimitOf(path: string): { key: string; limit: DocumentedLimit } | undefined {
  const bare = path.split('?')[0].replace(/\/+$/, '');
  if (Object.prototype.hasOwnProperty.call(EXACT_LIMITS, bare)) return { key: bare, limit: EXACT_LIMITS[bare] };
  const family = PREFIX_LIMITS.find(([prefix]) => bare.startsWith(prefix));
  return family ? { key: family[0], limit: family[1] } : undefined;
}
