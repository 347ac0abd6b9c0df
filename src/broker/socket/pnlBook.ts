import type { PnlFigures } from '../types';
import type { EventHub } from '../plumbing/eventHub';
import type { RequestIds, Session } from './session';

function figure(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Account-level daily / unrealized / realized P&L from reqPnL, passed through to the snapshot as is. */
export class PnlBook {
  private readonly figures = new Map<string, PnlFigures>();
  private readonly accountByReqId = new Map<number, string>();

  constructor(
    private readonly ids: RequestIds,
    private readonly events: EventHub,
  ) {}

  subscribe(session: Session, accounts: readonly string[]): void {
    this.accountByReqId.clear();
    for (const account of accounts) {
      const reqId = this.ids.take();
      this.accountByReqId.set(reqId, account);
      session.send((api) => api.reqPnL(reqId, account, ''));
    }
  }

  isSubscribed(account: string): boolean {
    for (const subscribed of this.accountByReqId.values()) if (subscribed === account) return true;
    return false;
  }

  onPnl(reqId: number, daily: unknown, unrealized: unknown, realized: unknown): void {
    const account = this.accountByReqId.get(reqId);
    if (account === undefined) return;
    if ([daily, unrealized, realized].some((value) => typeof value === 'number' && Number.isNaN(value))) {
      this.events.badInput('P&L with a non-numeric value', { account });
      return;
    }
    this.figures.set(account, { daily: figure(daily), unrealized: figure(unrealized), realized: figure(realized) });
  }

  /** Returns false when the request id is not a P&L subscription. */
  onRequestError(reqId: number, code: number, message: string): boolean {
    const account = this.accountByReqId.get(reqId);
    if (account === undefined) return false;
    this.accountByReqId.delete(reqId);
    this.events.emit({ type: 'error', code, account, message: `P&L subscription refused: ${message}` });
    return true;
  }

  onSessionLost(): void {
    this.accountByReqId.clear();
  }

  get(account: string): PnlFigures | null {
    const figures = this.figures.get(account);
    return figures ? { ...figures } : null;
  }
}
