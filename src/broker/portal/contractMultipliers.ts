import { hasUnitMultiplier } from '../../greeks/instruments';
import type { Position } from '../types';
import { parsePortalNumber } from './fieldParsing';
import { PortalRequestError, type PortalHttpClient } from './httpClient';

/**
 * Multipliers the positions endpoint leaves out (it sends null for some futures and options), looked up once per
 * conid from the contract info endpoint (/iserver/contract/{conid}/info). A contract the gateway does not know, or
 * whose info has no multiplier, stays unknown (0): the aggregation then excludes it with reason unknown_multiplier
 * instead of counting it ×1. A failed call (network, 5xx, rate limit) is asked again at the next positions refresh.
 */
export class ContractMultipliers {
  /** conid → multiplier, or null when the gateway answered without one. */
  private readonly known = new Map<number, number | null>();

  constructor(private readonly http: PortalHttpClient) {}

  /** The positions with every missing multiplier that can be found filled in; the others keep 0. */
  async complete(positions: Position[]): Promise<Position[]> {
    const result: Position[] = [];
    for (const position of positions) {
      if (position.multiplier > 0 || hasUnitMultiplier(position.secType)) {
        result.push(position);
        continue;
      }
      const multiplier = await this.lookup(position.conId);
      result.push(multiplier === null ? position : { ...position, multiplier });
    }
    return result;
  }

  private async lookup(conId: number): Promise<number | null> {
    if (this.known.has(conId)) return this.known.get(conId) ?? null;
    let body: unknown;
    try {
      body = await this.http.get(`/iserver/contract/${conId}/info`);
    } catch (error) {
      const definitive = error instanceof PortalRequestError && error.status !== undefined && error.status < 500;
      if (definitive && error.status !== 429) this.known.set(conId, null);
      return null;
    }
    const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).multiplier : undefined;
    const parsed = parsePortalNumber(raw);
    const multiplier = parsed.status === 'ok' && parsed.value > 0 ? parsed.value : null;
    this.known.set(conId, multiplier);
    return multiplier;
  }
}
