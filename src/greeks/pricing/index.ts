export { optionModelValues, pricingInputProblem, PricingInputError } from './optionModelValues';
export {
  impliedVolatility,
  type ImpliedVolatilityFailure,
  type ImpliedVolatilityInput,
  type ImpliedVolatilityResult,
} from './impliedVolatility';
export type * from './types';
