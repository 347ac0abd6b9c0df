import type { SecurityType } from '../broker/types';

/** Instruments whose risk is carried by option Greeks. */
export function isOptionSecType(secType: SecurityType): boolean {
  return secType === 'OPT' || secType === 'FOP';
}

/** Instruments that move one for one with their own price: delta = quantity × multiplier, no other Greeks. */
export function isDeltaOneSecType(secType: SecurityType): boolean {
  return secType === 'STK' || secType === 'FUT' || secType === 'CASH' || secType === 'IND';
}

/** TWS sends an empty multiplier for stocks (decoded as 0) and CP sends 0.0: both mean 1. */
export function effectiveMultiplier(multiplier: number): number {
  return Number.isFinite(multiplier) && multiplier > 0 ? multiplier : 1;
}
