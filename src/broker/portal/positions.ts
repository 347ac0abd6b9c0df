import type { Position, SecurityType } from '../types';
import { parsePortalNumber } from './fieldParsing';
import { PortalRequestError, type PortalHttpClient } from './httpClient';

export const POSITIONS_PAGE_SIZE = 100;
const MAX_PAGES = 200;

export type PositionRowResult =
  | { kind: 'position'; position: Position }
  | { kind: 'zero_quantity'; conId: number }
  | { kind: 'invalid'; conId?: number; reason: string };

const SECURITY_TYPES: ReadonlySet<string> = new Set(['STK', 'OPT', 'FOP', 'FUT', 'IND', 'CASH']);
const UNIT_MULTIPLIER_TYPES: ReadonlySet<SecurityType> = new Set(['STK', 'IND', 'CASH']);

/**
 * One row of /portfolio/{acct}/positions/{page}. Types vary between rows (strike "440" or 440, multiplier 0.0 for
 * stock or null for futures), so each field is parsed on its own; a row that cannot be trusted is rejected whole with
 * the reason rather than guessed at.
 */
export function parsePositionRow(raw: unknown, account: string): PositionRowResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'invalid', reason: 'row is not an object' };
  const row = raw as Record<string, unknown>;
  const conIdParsed = parsePortalNumber(row.conid);
  if (conIdParsed.status !== 'ok' || !Number.isInteger(conIdParsed.value) || conIdParsed.value <= 0) {
    return { kind: 'invalid', reason: `conid ${JSON.stringify(row.conid)} is not a positive integer` };
  }
  const conId = conIdParsed.value;
  const fail = (reason: string): PositionRowResult => ({ kind: 'invalid', conId, reason: `conid ${conId}: ${reason}` });

  const quantity = parsePortalNumber(row.position);
  if (quantity.status !== 'ok') return fail(`position ${JSON.stringify(row.position)} is not a number`);
  if (quantity.value === 0) return { kind: 'zero_quantity', conId };

  const assetClass = typeof row.assetClass === 'string' ? row.assetClass.toUpperCase() : '';
  const secType = (SECURITY_TYPES.has(assetClass) ? assetClass : 'OTHER') as SecurityType;
  const isOption = secType === 'OPT' || secType === 'FOP';

  const currency = typeof row.currency === 'string' && row.currency.trim() ? row.currency.trim() : undefined;
  if (!currency) return fail('currency missing');

  const multiplierParsed = parsePortalNumber(row.multiplier);
  if (multiplierParsed.status === 'invalid') return fail(`multiplier ${multiplierParsed.reason}`);
  // Missing for an option or future (the gateway sends null for some): 0, "unknown", for the contract info lookup
  // (contractMultipliers.ts) to fill in; never guessed as 1.
  let multiplier = 0;
  if (multiplierParsed.status === 'ok' && multiplierParsed.value > 0) multiplier = multiplierParsed.value;
  else if (UNIT_MULTIPLIER_TYPES.has(secType)) multiplier = 1;

  const position: Position = {
    account,
    conId,
    localSymbol: localSymbolOf(row),
    underlying: underlyingOf(row),
    secType,
    multiplier,
    quantity: quantity.value,
    currency,
  };

  const underlyingConId = parsePortalNumber(row.undConid);
  if (underlyingConId.status === 'ok' && underlyingConId.value > 0) position.underlyingConId = underlyingConId.value;
  else if (secType === 'STK') position.underlyingConId = conId;
  // A future is its own underlying for delta purposes (IBKR lists the index as undConid).
  if (secType === 'FUT') position.underlyingConId = conId;

  if (isOption) {
    if (row.putOrCall !== 'C' && row.putOrCall !== 'P') return fail(`putOrCall ${JSON.stringify(row.putOrCall)}`);
    position.right = row.putOrCall;
    const strike = parsePortalNumber(row.strike);
    if (strike.status !== 'ok' || strike.value <= 0) return fail(`strike ${JSON.stringify(row.strike)} is not a price`);
    position.strike = strike.value;
  }
  const expiry = typeof row.expiry === 'string' ? row.expiry : undefined;
  if (expiry !== undefined) {
    if (!/^\d{8}$/.test(expiry)) return fail(`expiry ${JSON.stringify(expiry)} is not YYYYMMDD`);
    position.expiry = expiry;
  } else if (isOption) return fail('expiry missing');

  const avgCost = parsePortalNumber(row.avgCost);
  if (avgCost.status === 'ok') position.avgCost = avgCost.value;
  return { kind: 'position', position };
}

/** "SPY    JAN2025 440 C [SPY   250117C00440000 100]" → "SPY   250117C00440000"; otherwise the description. */
function localSymbolOf(row: Record<string, unknown>): string {
  const description = typeof row.contractDesc === 'string' ? row.contractDesc : '';
  const bracket = /\[(.+?)(?:\s+\d+(?:\.\d+)?)?\]\s*$/.exec(description);
  if (bracket) return bracket[1];
  if (description) return description.trim();
  return typeof row.ticker === 'string' ? row.ticker : String(row.conid);
}

function underlyingOf(row: Record<string, unknown>): string {
  for (const key of ['undSym', 'ticker']) {
    const value = row[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  const description = typeof row.contractDesc === 'string' ? row.contractDesc.trim() : '';
  return description.split(/\s+/)[0] || String(row.conid);
}

export interface PositionsLoad {
  positions: Position[];
  rejected: { conId?: number; reason: string }[];
  zeroQuantity: number;
  pages: number;
}

/**
 * All positions of one account: the backend caches positions, so the cache is invalidated first, then pages are read
 * from 0 until one comes back shorter than a full page.
 */
export async function loadPositions(http: PortalHttpClient, account: string): Promise<PositionsLoad> {
  const base = `/portfolio/${encodeURIComponent(account)}/positions`;
  await http.post(`${base}/invalidate`);
  const load: PositionsLoad = { positions: [], rejected: [], zeroQuantity: 0, pages: 0 };
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = await http.get(`${base}/${page}`);
    if (!Array.isArray(body)) {
      throw new PortalRequestError(
        'invalid_json',
        `${base}/${page}`,
        `${base}/${page}: expected an array of positions`,
      );
    }
    load.pages += 1;
    for (const raw of body) {
      const result = parsePositionRow(raw, account);
      if (result.kind === 'position') load.positions.push(result.position);
      else if (result.kind === 'zero_quantity') load.zeroQuantity += 1;
      else load.rejected.push({ conId: result.conId, reason: result.reason });
    }
    if (body.length < POSITIONS_PAGE_SIZE) return load;
  }
  throw new PortalRequestError('invalid_json', base, `${base}: more than ${MAX_PAGES} pages; refusing to read further`);
}
