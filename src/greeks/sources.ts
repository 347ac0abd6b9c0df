/**
 * Where an option's Greeks came from, best first. A position takes the first source that has fresh, computed values
 * for it; which sources may count in the totals is a setting (GREEKS_SOURCES), and every row says how many positions
 * each source covered.
 *
 * - `ib_model`: IB's model computation (tick types 13 / 83 over the socket; the Client Portal's Greeks fields).
 * - `ib_quote`: IB's bid, ask or last computation (tick types 10–12 / 80–82), which stands in before the first model
 *   tick of a line.
 * - `ib_calculation`: a calculation IB answered on request (`calculateOptionPrice` from an implied volatility).
 * - `local_model`: the bridge's own pricing model, from IB's last implied volatility and the underlying's live price.
 */
export const GREEKS_SOURCES = ['ib_model', 'ib_quote', 'ib_calculation', 'local_model'] as const;
export type GreeksSource = (typeof GREEKS_SOURCES)[number];

/** IB's own values only: what a trader who must match TWS's figures accepts. */
export const STRICT_GREEKS_SOURCES: readonly GreeksSource[] = ['ib_model', 'ib_quote', 'ib_calculation'];

/** Positions covered per source in one snapshot, with the age of the oldest input behind them. */
export type SourceCounts = Partial<Record<GreeksSource, { positions: number; maxAgeMs: number }>>;

/**
 * The allowed sources from the GREEKS_SOURCES setting: `all` (the default), `strict` (IB's own values), or a comma
 * list of source names. Returns an error line for anything else.
 */
export function parseGreeksSources(text: string): { sources: GreeksSource[] } | { error: string } {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'all') return { sources: [...GREEKS_SOURCES] };
  if (value === 'strict') return { sources: [...STRICT_GREEKS_SOURCES] };
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(GREEKS_SOURCES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return {
      error: `unknown source ${unknown.join(', ')}: use all, strict, or a list of ${GREEKS_SOURCES.join(', ')}`,
    };
  }
  // Kept in the order of preference whatever order the list gave.
  return { sources: GREEKS_SOURCES.filter((source) => names.includes(source)) };
}

/** Adds one covered position of `source`, whose inputs are `ageMs` old, to `counts`. */
export function countSource(counts: SourceCounts, source: GreeksSource, ageMs: number): void {
  const entry = counts[source];
  if (entry) {
    entry.positions += 1;
    entry.maxAgeMs = Math.max(entry.maxAgeMs, ageMs);
  } else {
    counts[source] = { positions: 1, maxAgeMs: ageMs };
  }
}
