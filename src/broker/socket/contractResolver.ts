import type { ContractDetails } from '@stoqey/ib';
import type { Position } from '../types';
import { isOptionSecType } from '../../greeks/instruments';
import { needsListingExchange, parseContractDetails, type ResolvedContract } from './contractMapping';
import type { EventHub } from '../plumbing/eventHub';
import type { RequestIds, Session } from './session';

const NO_SECURITY_DEFINITION = 200;

/**
 * Looks up, once per conId and for the life of the process, what a position event lacks: the listing exchange of
 * futures and futures options (SMART is invalid for them, and a future's lookup also fills a missing multiplier)
 * and a missing option multiplier.
 */
export class ContractResolver {
  private readonly resolved = new Map<number, ResolvedContract>();
  private readonly unresolvable = new Set<number>();
  /** conId per in-flight request id of the current session. */
  private readonly inFlight = new Map<number, number>();
  private readonly requested = new Set<number>();

  constructor(
    private readonly ids: RequestIds,
    private readonly events: EventHub,
    private readonly onSettled: (conId: number) => void,
  ) {}

  /** True while the position cannot be subscribed yet because a lookup is still needed. */
  isPending(position: Position): boolean {
    if (this.resolved.has(position.conId) || this.unresolvable.has(position.conId)) return false;
    return needsListingExchange(position.secType) || (isOptionSecType(position.secType) && position.multiplier <= 0);
  }

  get(conId: number): ResolvedContract | undefined {
    return this.resolved.get(conId);
  }

  request(session: Session, conId: number): void {
    if (this.requested.has(conId)) return;
    this.requested.add(conId);
    const reqId = this.ids.take();
    this.inFlight.set(reqId, conId);
    session.send((api) => api.reqContractDetails(reqId, { conId }));
  }

  onContractDetails(reqId: number, details: ContractDetails): void {
    const conId = this.inFlight.get(reqId);
    if (conId === undefined) return;
    const parsed = parseContractDetails(details);
    if (!parsed.ok) {
      this.events.badInput(parsed.reason, { reqId, conId });
      return;
    }
    if (!this.resolved.has(conId)) this.resolved.set(conId, parsed.value);
  }

  onContractDetailsEnd(reqId: number): void {
    const conId = this.inFlight.get(reqId);
    if (conId === undefined) return;
    this.inFlight.delete(reqId);
    if (!this.resolved.has(conId)) {
      this.unresolvable.add(conId);
      this.events.emit({ type: 'error', message: `no contract details for conId ${conId}`, details: { conId } });
    }
    this.onSettled(conId);
  }

  /** Returns false when the request id is not a contract lookup. */
  onRequestError(reqId: number, code: number, message: string): boolean {
    const conId = this.inFlight.get(reqId);
    if (conId === undefined) return false;
    this.inFlight.delete(reqId);
    if (code === NO_SECURITY_DEFINITION) this.unresolvable.add(conId);
    else this.requested.delete(conId);
    this.events.emit({
      type: 'error',
      code,
      message: `contract details for conId ${conId} failed: ${message}`,
      details: { conId, reqId },
    });
    if (code === NO_SECURITY_DEFINITION) this.onSettled(conId);
    return true;
  }

  /** Lookups in flight on a dead session are asked again on the next one. */
  onSessionLost(): void {
    this.inFlight.clear();
    this.requested.clear();
  }
}
