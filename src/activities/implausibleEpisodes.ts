import type { ExcludedPosition } from '../greeks/types';

/**
 * Remembers which positions are excluded as implausible, so each one is reported once when it becomes implausible
 * (one bad_input event per position and episode), not on every cycle while the bad value persists. An episode ends
 * on the first cycle the position is no longer implausible.
 */
export class ImplausibleEpisodes {
  private readonly current = new Set<string>();

  /** The entries that start an episode in this cycle; does not change what is remembered (see commit). */
  starting(account: string, excluded: readonly ExcludedPosition[]): ExcludedPosition[] {
    return excluded.filter((entry) => entry.reason === 'implausible' && !this.current.has(keyOf(account, entry)));
  }

  /** After the cycle's rows (and its events) are stored: the cycle's implausible positions become the current ones. */
  commit(account: string, excluded: readonly ExcludedPosition[]): void {
    for (const key of [...this.current]) if (key.startsWith(`${account}:`)) this.current.delete(key);
    for (const entry of excluded) if (entry.reason === 'implausible') this.current.add(keyOf(account, entry));
  }
}

function keyOf(account: string, entry: ExcludedPosition): string {
  return `${account}:${entry.conId}:${entry.excludedFrom}`;
}
