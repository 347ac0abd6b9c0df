export { aggregateGreeks, type AggregateOptions } from './aggregate';
export {
  countingMultiplier,
  effectiveMultiplier,
  hasUnitMultiplier,
  isDeltaOneSecType,
  isOptionSecType,
} from './instruments';
export { PLAUSIBILITY_BOUNDS } from './plausibility';
export { GREEKS_UNITS } from './units';
export type * from './types';
