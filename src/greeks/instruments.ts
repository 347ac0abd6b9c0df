import type { Position, SecurityType } from '../broker/types';

/** Instruments whose risk is carried by option Greeks. */
export function isOptionSecType(secType: SecurityType): boolean {
  return secType === 'OPT' || secType === 'FOP';
}

/** Instruments that move one for one with their own price: delta = quantity × multiplier, no other Greeks. */
export function isDeltaOneSecType(secType: SecurityType): boolean {
  return secType === 'STK' || secType === 'FUT' || secType === 'CASH' || secType === 'IND';
}

/**
 * Cash instruments whose unit is one share (or one unit of currency or index): TWS sends them with an empty
 * multiplier (decoded as 0) and the Client Portal with 0.0, and both mean 1. Options and futures carry a real
 * contract multiplier (100, 50, 1000, ...) that cannot be guessed.
 */
export function hasUnitMultiplier(secType: SecurityType): boolean {
  return secType === 'STK' || secType === 'CASH' || secType === 'IND';
}

/**
 * The multiplier a position counts with, or null when it is unknown: an option or future without a positive
 * multiplier is never counted as ×1 (that would understate it 50 or 100 times).
 */
export function countingMultiplier(secType: SecurityType, multiplier: number): number | null {
  if (Number.isFinite(multiplier) && multiplier > 0) return multiplier;
  return hasUnitMultiplier(secType) ? 1 : null;
}

/** For ranking positions by size only (e.g. which ones get market-data lines first): an unknown multiplier is 1. */
export function effectiveMultiplier(multiplier: number): number {
  return Number.isFinite(multiplier) && multiplier > 0 ? multiplier : 1;
}

/** Options of one type on one symbol in one currency share their underlying. */
export function underlyingGroup(position: Position): string {
  return `${position.secType}:${position.underlying}:${position.currency}`;
}

/** Options on one underlying: by its conId when the position names it, else by their group (underlyingGroup). */
export function underlyingKey(position: Position): string {
  return position.underlyingConId !== undefined ? `conId:${position.underlyingConId}` : underlyingGroup(position);
}
