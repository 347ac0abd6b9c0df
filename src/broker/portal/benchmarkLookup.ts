import { parsePortalNumber } from './fieldParsing';
import { PortalRequestError, type PortalHttpClient } from './httpClient';

const PATH = '/trsrv/stocks';

/**
 * The conid of the beta benchmark (a US stock or ETF) from /trsrv/stocks?symbols=…, which answers
 * `{ SYMBOL: [{ name, assetClass, contracts: [{ conid, exchange, isUS }] }] }`. The US listing wins; null when the
 * gateway knows no such stock.
 */
export function benchmarkConIdFrom(body: unknown, symbol: string): number | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const entries = (body as Record<string, unknown>)[symbol];
  if (!Array.isArray(entries)) return null;
  const candidates: Array<{ conId: number; isUS: boolean }> = [];
  for (const entry of entries) {
    const contracts = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).contracts : undefined;
    if (!Array.isArray(contracts)) continue;
    for (const contract of contracts) {
      if (!contract || typeof contract !== 'object') continue;
      const row = contract as Record<string, unknown>;
      const conId = parsePortalNumber(row.conid);
      if (conId.status === 'ok' && Number.isInteger(conId.value) && conId.value > 0) {
        candidates.push({ conId: conId.value, isUS: row.isUS === true });
      }
    }
  }
  return (candidates.find((candidate) => candidate.isUS) ?? candidates[0])?.conId ?? null;
}

export async function lookUpBenchmarkConId(http: PortalHttpClient, symbol: string): Promise<number | null> {
  const body = await http.get(PATH, { symbols: symbol });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PortalRequestError('invalid_json', PATH, `${PATH}: expected an object keyed by symbol`);
  }
  return benchmarkConIdFrom(body, symbol);
}
