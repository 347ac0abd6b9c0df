export { aggregateGreeks, effectiveMultiplier, isOptionPosition, type AggregateOptions } from './aggregate';
export { GREEKS_UNITS } from './units';
export type * from './types';
