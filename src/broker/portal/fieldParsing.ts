import type { MarketDataType } from '../types';

/**
 * Client Portal sends every snapshot value as a string ("0.5123", "1,234.50", "C412.10", "31.2%"), omits keys it has
 * no value for, and types position fields inconsistently. These parsers are strict: anything that is not exactly one
 * of the documented shapes is rejected with a reason, and a missing value is reported as missing, never as 0.
 */
export type ParsedValue =
  { status: 'ok'; value: number; prefix?: PricePrefix } | { status: 'missing' } | { status: 'invalid'; reason: string };

/** C = previous close (no trade today), H = trading halted. */
export type PricePrefix = 'C' | 'H';

export interface NumberFormat {
  /** Accept a leading C/H marker (last price, field 31). */
  allowPricePrefix?: boolean;
  /** Accept a trailing % (implied vol fields). */
  allowPercentSign?: boolean;
}

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

export function parsePortalNumber(raw: unknown, format: NumberFormat = {}): ParsedValue {
  if (raw === undefined || raw === null) return { status: 'missing' };
  if (typeof raw === 'number') {
    return Number.isFinite(raw)
      ? { status: 'ok', value: raw }
      : { status: 'invalid', reason: `non-finite number ${raw}` };
  }
  if (typeof raw !== 'string') return { status: 'invalid', reason: `expected a string, got ${typeof raw}` };
  let text = raw.trim();
  if (text === '') return { status: 'missing' };
  let prefix: PricePrefix | undefined;
  if (text[0] === 'C' || text[0] === 'H') {
    if (!format.allowPricePrefix) return { status: 'invalid', reason: `unexpected prefix in ${quote(raw)}` };
    prefix = text[0];
    text = text.slice(1);
  }
  if (text.endsWith('%')) {
    if (!format.allowPercentSign) return { status: 'invalid', reason: `unexpected % in ${quote(raw)}` };
    text = text.slice(0, -1).trimEnd();
  }
  if (GROUPED_NUMBER.test(text)) text = text.replace(/,/g, '');
  else if (!PLAIN_NUMBER.test(text)) return { status: 'invalid', reason: `not a number: ${quote(raw)}` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { status: 'invalid', reason: `out of range: ${quote(raw)}` };
  return prefix ? { status: 'ok', value, prefix } : { status: 'ok', value };
}

function quote(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/** Snapshot field codes the adapter requests (IBKR Client Portal Web API, market data snapshot field list). 7310 is theta and 7311 is vega. */
export const FIELD = {
  last: '31',
  bid: '84',
  ask: '86',
  mark: '7635',
  delta: '7308',
  gamma: '7309',
  theta: '7310',
  vega: '7311',
  impliedVol: '7633',
  availability: '6509',
} as const;

export const SNAPSHOT_FIELDS: readonly string[] = [
  FIELD.last,
  FIELD.bid,
  FIELD.ask,
  FIELD.mark,
  FIELD.delta,
  FIELD.gamma,
  FIELD.theta,
  FIELD.vega,
  FIELD.impliedVol,
  FIELD.availability,
];

export type Availability =
  | { status: 'ok'; type: MarketDataType }
  | { status: 'not_subscribed' }
  | { status: 'acknowledgement_required' }
  | ParsedMissing;
type ParsedMissing = { status: 'missing' } | { status: 'invalid'; reason: string };

/**
 * Field 6509: first letter R real-time, D delayed, Z frozen, Y frozen-delayed, N not subscribed, O the user has not
 * signed IBKR's annual market data API acknowledgement (no usable data until they do).
 */
export function parseAvailability(raw: unknown): Availability {
  if (raw === undefined || raw === null || raw === '') return { status: 'missing' };
  if (typeof raw !== 'string') return { status: 'invalid', reason: `6509: expected a string, got ${typeof raw}` };
  switch (raw[0]) {
    case 'R':
      return { status: 'ok', type: 'live' };
    case 'D':
      return { status: 'ok', type: 'delayed' };
    case 'Z':
      return { status: 'ok', type: 'frozen' };
    case 'Y':
      return { status: 'ok', type: 'delayed-frozen' };
    case 'N':
      return { status: 'not_subscribed' };
    case 'O':
      return { status: 'acknowledgement_required' };
    default:
      return { status: 'invalid', reason: `6509: unknown availability code ${quote(raw)}` };
  }
}

/**
 * Field 7633 is a percentage ("31.2%", "31.2"); the broker interface carries implied vol as a fraction like TWS does.
 * The documentation says the value is a percent with or without the sign, so both are divided by 100.
 */
export function parseImpliedVol(raw: unknown): ParsedValue {
  const parsed = parsePortalNumber(raw, { allowPercentSign: true });
  if (parsed.status !== 'ok') return parsed;
  if (parsed.value < 0) return { status: 'invalid', reason: `negative implied vol ${String(raw)}` };
  return { status: 'ok', value: parsed.value / 100 };
}
