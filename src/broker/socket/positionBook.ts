import type { Position } from '../types';

type AccountPositions = Map<number, Position>;

/**
 * Our own position map keyed by (account, conId), built from raw `position` events (IBApiNext's cache drops every
 * entry after one that goes to 0). A (re)subscription first collects the full dump into a pending map and swaps it
 * in at positionEnd, so positions that closed while we were away disappear and the old picture is served meanwhile.
 */
export class PositionBook {
  private live = new Map<string, AccountPositions>();
  private pending: Map<string, AccountPositions> | null = null;
  private readonly accountArrays = new Map<string, Position[]>();
  /** A full dump has been received at some point: the live picture is a real one (possibly an old session's). */
  private everComplete = false;
  /** The current session's dump has ended in positionEnd. */
  private completeThisSession = false;

  /**
   * True once the dump requested by the current session (after connect, or after 1101) has ended in positionEnd.
   * Before that the live picture is partial or the previous session's: positions may have closed or opened since.
   */
  isComplete(): boolean {
    return this.completeThisSession;
  }

  /** Called when reqPositions is (re)sent. */
  beginResync(): void {
    this.pending = new Map();
    this.completeThisSession = false;
  }

  /** The session died (mid-dump or not): keep the last picture, but it is no longer known to be current. */
  abortResync(): void {
    this.pending = null;
    this.completeThisSession = false;
  }

  /** Applies one position event. Returns true when the live picture changed. */
  apply(position: Position): boolean {
    if (this.pending) {
      setOrDelete(this.pending, position);
      return false;
    }
    const changed = setOrDelete(this.live, position);
    if (changed) this.accountArrays.delete(position.account);
    return changed;
  }

  /** positionEnd: the pending dump becomes the live picture. Returns true when anything changed. */
  end(): boolean {
    const wasComplete = this.everComplete;
    this.everComplete = true;
    this.completeThisSession = true;
    if (!this.pending) return !wasComplete;
    const next = this.pending;
    this.pending = null;
    const changed = !wasComplete || !samePositions(this.live, next);
    this.live = next;
    this.accountArrays.clear();
    return changed;
  }

  /** Replaces one position in place (e.g. after contract details completed it), without changing membership. */
  update(position: Position): void {
    for (const map of [this.live, this.pending]) {
      const current = map?.get(position.account)?.get(position.conId);
      if (current && current.quantity === position.quantity) map!.get(position.account)!.set(position.conId, position);
    }
    this.accountArrays.delete(position.account);
  }

  accounts(): string[] {
    return [...this.live.keys()];
  }

  /** The account's positions; the same array is returned until something changes (no per-snapshot garbage). */
  forAccount(account: string): readonly Position[] {
    let positions = this.accountArrays.get(account);
    if (!positions) {
      positions = [...(this.live.get(account)?.values() ?? [])];
      this.accountArrays.set(account, positions);
    }
    return positions;
  }

  *all(): IterableIterator<Position> {
    for (const positions of this.live.values()) yield* positions.values();
  }
}

function setOrDelete(book: Map<string, AccountPositions>, position: Position): boolean {
  let positions = book.get(position.account);
  if (position.quantity === 0) {
    if (!positions?.delete(position.conId)) return false;
    if (positions.size === 0) book.delete(position.account);
    return true;
  }
  if (!positions) {
    positions = new Map();
    book.set(position.account, positions);
  }
  const previous = positions.get(position.conId);
  positions.set(position.conId, position);
  return !previous || previous.quantity !== position.quantity || previous.avgCost !== position.avgCost;
}

function samePositions(a: Map<string, AccountPositions>, b: Map<string, AccountPositions>): boolean {
  if (a.size !== b.size) return false;
  for (const [account, positions] of a) {
    const other = b.get(account);
    if (!other || other.size !== positions.size) return false;
    for (const [conId, position] of positions) {
      if (other.get(conId)?.quantity !== position.quantity) return false;
    }
  }
  return true;
}
