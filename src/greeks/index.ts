export { aggregateGreeks, type AggregateOptions } from './aggregate';
export { effectiveMultiplier, isDeltaOneSecType, isOptionSecType } from './instruments';
export { GREEKS_UNITS } from './units';
export type * from './types';
