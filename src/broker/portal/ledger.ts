import type { ExchangeRates } from '../types';
import { parsePortalNumber } from './fieldParsing';
import { PortalRequestError, type PortalHttpClient } from './httpClient';

/** The pseudo-currency under which the ledger sums every currency in the base currency. */
const BASE_KEY = 'BASE';

export interface LedgerRates {
  rates: ExchangeRates;
  /** Entries that could not be read; each is left without a rate (its positions are then excluded, not guessed). */
  rejected: string[];
}

/**
 * IBKR's exchange rates from /portfolio/{accountId}/ledger: one entry per currency (plus BASE), each with
 * `exchangerate`, the rate of that currency to the account's base currency. The base currency is the entry whose rate
 * is exactly 1; when none or several are, the base is unknown and no money figure is converted.
 */
export function ratesFromLedger(body: unknown): LedgerRates {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { rates: { baseCurrency: null, rates: {} }, rejected: ['ledger is not an object'] };
  }
  const rates: Record<string, number> = {};
  const rejected: string[] = [];
  for (const [key, entry] of Object.entries(body as Record<string, unknown>)) {
    if (key.toUpperCase() === BASE_KEY) continue;
    const currency = key.toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      rejected.push(`ledger key ${JSON.stringify(key)} is not a currency code`);
      continue;
    }
    const rate = parsePortalNumber(
      entry && typeof entry === 'object' ? (entry as Record<string, unknown>).exchangerate : undefined,
    );
    if (rate.status !== 'ok' || !(rate.value > 0)) {
      rejected.push(`ledger ${currency}: exchangerate is not a positive number`);
      continue;
    }
    rates[currency] = rate.value;
  }
  const atParity = Object.keys(rates).filter((currency) => rates[currency] === 1);
  return { rates: { baseCurrency: atParity.length === 1 ? atParity[0] : null, rates }, rejected };
}

export async function loadLedgerRates(http: PortalHttpClient, account: string): Promise<LedgerRates> {
  const path = `/portfolio/${encodeURIComponent(account)}/ledger`;
  const body = await http.get(path);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PortalRequestError('invalid_json', path, `${path}: expected an object keyed by currency`);
  }
  return ratesFromLedger(body);
}
