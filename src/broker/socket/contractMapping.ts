import type { Contract, ContractDetails } from '@stoqey/ib';
import { hasUnitMultiplier, isOptionSecType } from '../../greeks/instruments';
import type { MarketDataType, Position, SecurityType } from '../types';

/** IB's numeric market-data types (reqMarketDataType and the marketDataType message). */
const MARKET_DATA_TYPE_CODES: Record<MarketDataType, number> = {
  live: 1,
  frozen: 2,
  delayed: 3,
  'delayed-frozen': 4,
};

export function marketDataTypeCode(type: MarketDataType): number {
  return MARKET_DATA_TYPE_CODES[type];
}

export function marketDataTypeFromCode(code: number): MarketDataType | null {
  switch (code) {
    case 1:
      return 'live';
    case 2:
      return 'frozen';
    case 3:
      return 'delayed';
    case 4:
      return 'delayed-frozen';
    default:
      return null;
  }
}

/** What to ask for when live (or frozen) data is not permitted. */
export function delayedEquivalent(type: MarketDataType): MarketDataType {
  return type === 'frozen' || type === 'delayed-frozen' ? 'delayed-frozen' : 'delayed';
}

const KNOWN_SEC_TYPES: ReadonlySet<string> = new Set(['STK', 'OPT', 'FOP', 'FUT', 'IND', 'CASH']);

export function toSecurityType(secType: unknown): SecurityType {
  return typeof secType === 'string' && KNOWN_SEC_TYPES.has(secType) ? (secType as SecurityType) : 'OTHER';
}

/**
 * Futures, futures options and indices have no SMART routing: their exchange must come from contract details (an
 * index is an option's underlying, e.g. SPX on CBOE, and is only ever asked for as one).
 */
export function needsListingExchange(secType: SecurityType): boolean {
  return secType === 'FOP' || secType === 'FUT' || secType === 'IND';
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Maps a raw `position` event to our Position. Stocks arrive with an empty multiplier (decoded as 0): that means 1.
 * Options and futures without a multiplier keep 0 ("unknown") until contract details fill it in; when they cannot,
 * the aggregation excludes the position (reason unknown_multiplier) rather than count it ×1.
 */
export function parsePositionEvent(
  account: unknown,
  contract: Contract | undefined,
  quantity: unknown,
  avgCost: unknown,
): Parsed<Position> {
  if (typeof account !== 'string' || account.length === 0) return { ok: false, reason: 'position without account' };
  if (!contract || !Number.isInteger(contract.conId) || (contract.conId as number) <= 0) {
    return { ok: false, reason: 'position without a valid conId' };
  }
  if (typeof quantity !== 'number' || !Number.isFinite(quantity)) {
    return { ok: false, reason: 'position with a non-numeric quantity' };
  }
  const secType = toSecurityType(contract.secType);
  const rawMultiplier = Number(contract.multiplier);
  const hasMultiplier = Number.isFinite(rawMultiplier) && rawMultiplier > 0;
  const position: Position = {
    account,
    conId: contract.conId as number,
    localSymbol: contract.localSymbol || contract.symbol || String(contract.conId),
    underlying: contract.symbol || contract.localSymbol || String(contract.conId),
    secType,
    multiplier: hasMultiplier ? rawMultiplier : hasUnitMultiplier(secType) ? 1 : 0,
    quantity,
    currency: contract.currency || 'USD',
  };
  if (!isOptionSecType(secType)) position.underlyingConId = position.conId;
  if (contract.right === 'C' || contract.right === 'P') position.right = contract.right;
  if (typeof contract.strike === 'number' && Number.isFinite(contract.strike) && contract.strike > 0) {
    position.strike = contract.strike;
  }
  const expiry = contract.lastTradeDateOrContractMonth;
  if (typeof expiry === 'string' && /^\d{8}$/.test(expiry)) position.expiry = expiry;
  if (typeof avgCost === 'number' && Number.isFinite(avgCost)) position.avgCost = avgCost;
  return { ok: true, value: position };
}

/** The facts contract details add to a position. */
export interface ResolvedContract {
  exchange: string;
  multiplier: number | null;
  underlyingConId: number | null;
  /** The underlying's type (an option's STK, IND or FUT); null for contracts without an underlying. */
  underlyingSecType: SecurityType | null;
}

function firstValidExchange(validExchanges: unknown): string {
  if (typeof validExchanges !== 'string') return '';
  return validExchanges.split(',').find((exchange) => exchange.trim() !== '' && exchange !== 'SMART') ?? '';
}

export function parseContractDetails(details: ContractDetails | undefined): Parsed<ResolvedContract> {
  const contract = details?.contract;
  if (!contract || !Number.isInteger(contract.conId)) return { ok: false, reason: 'contract details without conId' };
  const multiplier = Number(contract.multiplier);
  const underConId = details.underConId;
  return {
    ok: true,
    value: {
      // A listing exchange: the contract's own, else the first exchange it trades on.
      exchange: contract.exchange || firstValidExchange(details.validExchanges),
      multiplier: Number.isFinite(multiplier) && multiplier > 0 ? multiplier : null,
      underlyingConId: typeof underConId === 'number' && underConId > 0 ? underConId : null,
      underlyingSecType: details.underSecType ? toSecurityType(details.underSecType) : null,
    },
  };
}

/**
 * reqMktData by conId: the exchange is the only other field IB needs. SMART is invalid for FOP/FUT and IB refuses an
 * empty exchange for them (321), so without the listing exchange from contract details there is no valid request.
 */
export function marketDataContract(position: Position, resolved: ResolvedContract | undefined): Parsed<Contract> {
  if (!needsListingExchange(position.secType)) {
    return { ok: true, value: { conId: position.conId, exchange: resolved?.exchange || 'SMART' } };
  }
  if (!resolved?.exchange) {
    return {
      ok: false,
      reason: `${position.localSymbol} (conId ${position.conId}): no listing exchange, because contract details gave none; ${position.secType} market data needs it`,
    };
  }
  return { ok: true, value: { conId: position.conId, exchange: resolved.exchange } };
}

/** A position completed with what contract details told us. */
export function withResolvedContract(position: Position, resolved: ResolvedContract | undefined): Position {
  if (!resolved) return position;
  const multiplier = position.multiplier > 0 ? position.multiplier : (resolved.multiplier ?? position.multiplier);
  const underlyingConId = position.underlyingConId ?? resolved.underlyingConId ?? undefined;
  if (multiplier === position.multiplier && underlyingConId === position.underlyingConId) return position;
  const completed: Position = { ...position, multiplier };
  if (underlyingConId !== undefined) completed.underlyingConId = underlyingConId;
  return completed;
}
