import type { MarketDataType, OptionGreeks, PriceQuote } from '../types';
import {
  FIELD,
  parseAvailability,
  parseImpliedVol,
  parsePortalNumber,
  type ParsedValue,
  type PricePrefix,
} from './fieldParsing';

type GreekName = 'delta' | 'gamma' | 'theta' | 'vega' | 'impliedVol';

const GREEK_FIELDS: readonly [GreekName, string][] = [
  ['delta', FIELD.delta],
  ['gamma', FIELD.gamma],
  ['theta', FIELD.theta],
  ['vega', FIELD.vega],
  ['impliedVol', FIELD.impliedVol],
];

interface TimedValue {
  value: number;
  at: number;
  /** Availability (6509) of the row this value came in. */
  type: MarketDataType;
}

interface ConIdState {
  greeks: Partial<Record<GreekName, TimedValue>>;
  /** Greeks present before but absent from the latest row: the value is kept, but flagged stale. */
  carried: Set<GreekName>;
  price?: TimedValue;
  lastRowAt: number;
  type?: MarketDataType;
}

export interface AppliedRow {
  conId?: number;
  bad: BadValue[];
  hasData: boolean;
  /** 6509 "O": the market data API acknowledgement is not signed; the row's values were ignored. */
  acknowledgementRequired?: true;
}

export interface BadValue {
  conId: number;
  field: string;
  reason: string;
}

/** `_updated` (epoch ms, number or numeric string) capped at the arrival time; the arrival time when absent or unusable. */
function updatedAt(raw: unknown, receivedAt: number): number {
  const parsed = parsePortalNumber(raw);
  if (parsed.status !== 'ok' || parsed.value <= 0) return receivedAt;
  return Math.min(parsed.value, receivedAt);
}

/** The label of a price that is a close (or frozen by a halt) rather than a trade of this stream. */
export function closeTypeOf(type: MarketDataType): MarketDataType {
  return type === 'delayed' || type === 'delayed-frozen' ? 'delayed-frozen' : 'frozen';
}

const CLOSE_TYPES: ReadonlySet<MarketDataType> = new Set(['frozen', 'delayed-frozen']);

/** The label of figures combining values of these types: a close anywhere makes the result a close. */
export function combinedType(types: readonly MarketDataType[]): MarketDataType {
  const close = types.find((type) => CLOSE_TYPES.has(type));
  if (close) return closeTypeOf(types.some((type) => type.startsWith('delayed')) ? 'delayed' : close);
  return types.includes('delayed') ? 'delayed' : 'live';
}

/**
 * What the snapshot polls have taught us, per conid. Values are kept with the time and availability (6509) they
 * arrived with; a key the gateway stops sending keeps its last good value but marks the entry stale; a key never
 * sent stays null. Nothing is ever defaulted to 0.
 */
export class MarketDataStore {
  private readonly states = new Map<number, ConIdState>();
  private readonly reportedBad = new Set<string>();

  /** Applies one snapshot row; returns values that could not be parsed (each reported once until it parses again). */
  applyRow(row: Record<string, unknown>, receivedAt: number): AppliedRow {
    const conIdParsed = parsePortalNumber(row.conid);
    if (conIdParsed.status !== 'ok') {
      return { bad: [{ conId: 0, field: 'conid', reason: `row without a usable conid` }], hasData: false };
    }
    const conId = conIdParsed.value;
    const bad: BadValue[] = [];
    // 6509 "O": whatever values the row carries are not usable market data until the user signs the acknowledgement.
    if (parseAvailability(row[FIELD.availability]).status === 'acknowledgement_required') {
      return { conId, bad, hasData: false, acknowledgementRequired: true };
    }
    const hasData = GREEK_FIELDS.some(([, field]) => field in row) || FIELD.last in row || FIELD.mark in row;
    if (!hasData) return { conId, bad, hasData };

    const state = this.stateOf(conId);
    // The gateway's _updated is when this conid's data last changed: a frozen stream repeats old values with an old
    // _updated, so that, not the arrival, dates the values. Never later than the arrival (clock skew).
    const dataAt = updatedAt(row._updated, receivedAt);
    state.lastRowAt = dataAt;
    const availability = parseAvailability(row[FIELD.availability]);
    if (availability.status === 'ok') state.type = availability.type;
    else if (availability.status === 'invalid') this.noteBad(bad, conId, FIELD.availability, availability.reason);
    const type = state.type ?? 'live';

    for (const [name, field] of GREEK_FIELDS) {
      const parsed = name === 'impliedVol' ? parseImpliedVol(row[field]) : parsePortalNumber(row[field]);
      this.applyValue(state, name, parsed, dataAt, type, conId, field, bad);
    }

    const price = this.priceOf(row, conId, bad);
    // "C179.39" is yesterday's close and "H179.39" the price the halt froze: labelled as such, never as live.
    if (price !== undefined) {
      state.price = { value: price.value, at: dataAt, type: price.prefix ? closeTypeOf(type) : type };
    }
    return { conId, bad, hasData };
  }

  greeks(conId: number, staleBefore: number): OptionGreeks | undefined {
    const state = this.states.get(conId);
    if (!state) return undefined;
    const values = Object.values(state.greeks);
    if (values.length === 0) return undefined;
    const value = (name: GreekName) => state.greeks[name]?.value ?? null;
    return {
      conId,
      delta: value('delta'),
      gamma: value('gamma'),
      theta: value('theta'),
      vega: value('vega'),
      impliedVol: value('impliedVol'),
      underlyingPrice: null,
      optionPrice: state.price?.value ?? null,
      computedAt: Math.max(...values.map((entry) => entry.at)),
      marketDataType: combinedType([state.type ?? 'live', ...(state.price ? [state.price.type] : [])]),
      stale: state.carried.size > 0 || state.lastRowAt < staleBefore,
      // The snapshot's Greeks fields are IB's option model values.
      source: 'ib_model',
    };
  }

  /** Whether everything the adapter asks of this conid has arrived: the four Greeks for an option, a price otherwise. */
  complete(conId: number, option: boolean): boolean {
    const state = this.states.get(conId);
    if (!state) return false;
    if (!option) return state.price !== undefined;
    return (['delta', 'gamma', 'theta', 'vega'] as const).every((name) => state.greeks[name] !== undefined);
  }

  price(conId: number): PriceQuote | undefined {
    const price = this.states.get(conId)?.price;
    return price ? { conId, price: price.value, at: price.at, marketDataType: price.type } : undefined;
  }

  /** The availability most rows currently report (what the adapter effectively receives). */
  prevailingType(): MarketDataType {
    const counts = new Map<MarketDataType, number>();
    for (const state of this.states.values()) {
      if (state.type) counts.set(state.type, (counts.get(state.type) ?? 0) + 1);
    }
    let best: MarketDataType = 'live';
    let bestCount = 0;
    for (const [type, count] of counts) {
      if (count > bestCount) [best, bestCount] = [type, count];
    }
    return best;
  }

  /** Drops what is known of a conid whose stream ended. */
  forget(conId: number): void {
    this.states.delete(conId);
  }

  clear(): void {
    this.states.clear();
    this.reportedBad.clear();
  }

  private applyValue(
    state: ConIdState,
    name: GreekName,
    parsed: ParsedValue,
    at: number,
    type: MarketDataType,
    conId: number,
    field: string,
    bad: BadValue[],
  ): void {
    if (parsed.status === 'ok') {
      state.greeks[name] = { value: parsed.value, at, type };
      state.carried.delete(name);
      this.reportedBad.delete(`${conId}:${field}`);
      return;
    }
    if (parsed.status === 'invalid') this.noteBad(bad, conId, field, parsed.reason);
    if (state.greeks[name]) state.carried.add(name);
  }

  /** Last price (31, may carry a C/H prefix), else mark (7635), else the bid/ask midpoint. */
  private priceOf(
    row: Record<string, unknown>,
    conId: number,
    bad: BadValue[],
  ): { value: number; prefix?: PricePrefix } | undefined {
    const last = parsePortalNumber(row[FIELD.last], { allowPricePrefix: true });
    if (last.status === 'ok') return last.prefix ? { value: last.value, prefix: last.prefix } : { value: last.value };
    if (last.status === 'invalid') this.noteBad(bad, conId, FIELD.last, last.reason);
    const mark = parsePortalNumber(row[FIELD.mark]);
    if (mark.status === 'ok') return { value: mark.value };
    if (mark.status === 'invalid') this.noteBad(bad, conId, FIELD.mark, mark.reason);
    const bid = parsePortalNumber(row[FIELD.bid]);
    const ask = parsePortalNumber(row[FIELD.ask]);
    if (bid.status === 'ok' && ask.status === 'ok') return { value: (bid.value + ask.value) / 2 };
    return undefined;
  }

  private noteBad(bad: BadValue[], conId: number, field: string, reason: string): void {
    const key = `${conId}:${field}`;
    if (this.reportedBad.has(key)) return;
    this.reportedBad.add(key);
    bad.push({ conId, field, reason });
  }

  private stateOf(conId: number): ConIdState {
    let state = this.states.get(conId);
    if (!state) {
      state = { greeks: {}, carried: new Set(), lastRowAt: 0 };
      this.states.set(conId, state);
    }
    return state;
  }
}
