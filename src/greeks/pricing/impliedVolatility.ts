import { brentRoot } from './brentRoot';
import { carryInputs, modelPrice, pricingInputProblem } from './optionModelValues';
import type { OptionPricingInput } from './types';

/** What to solve: an option described as for pricing, without a volatility, and its observed price per share. */
export type ImpliedVolatilityInput = Omit<OptionPricingInput, 'volatility'> & { price: number };

/**
 * Why no volatility came out:
 * - invalid_input: a field outside the model's domain (the message names it), or a price that is not a finite number;
 * - expired: years is 0, where every volatility gives the same (intrinsic) value;
 * - below_lower_bound: the price is under the no-arbitrage floor (the discounted intrinsic value for European
 *   options, the immediate-exercise value for American ones), or equal to it, where no positive volatility fits;
 * - above_upper_bound: the price is at or over the ceiling (the discounted underlying for calls, the discounted
 *   strike for European puts, the strike for American puts);
 * - out_of_range: inside the bounds but the volatility would be under 0.01 % or over 1 600 %;
 * - not_converged: the solver ran out of iterations (not expected: Brent converges on any bracket).
 */
export type ImpliedVolatilityFailure =
  'invalid_input' | 'expired' | 'below_lower_bound' | 'above_upper_bound' | 'out_of_range' | 'not_converged';

export type ImpliedVolatilityResult =
  | { ok: true; volatility: number; iterations: number }
  | { ok: false; reason: ImpliedVolatilityFailure; message: string };

/** Lowest and highest volatility searched; σ = 16 (1 600 %) is beyond any listed option. */
const MIN_VOLATILITY = 1e-4;
const MAX_VOLATILITY = 16;
/** Absolute tolerance on σ: far below the 0.01 % IB quotes implied volatility to. */
const VOLATILITY_TOLERANCE = 1e-12;
const MAX_ITERATIONS = 200;

/**
 * The volatility at which the model (the same one optionModelValues uses for this style and model) gives the
 * observed price. Checks the no-arbitrage bounds first, brackets the root in [0.01 %, 1 600 %] by doubling, then
 * solves with Brent's method. Never throws: every failure is a typed result, so a caller's loop over a portfolio
 * keeps going.
 */
export function impliedVolatility(input: ImpliedVolatilityInput): ImpliedVolatilityResult {
  const { price, ...option } = input;
  const pricingInput: OptionPricingInput = { ...option, volatility: 1 };
  const problem = pricingInputProblem(pricingInput);
  if (problem) return failure('invalid_input', problem);
  if (!Number.isFinite(price)) return failure('invalid_input', `price must be a finite number, got ${price}`);
  if (input.years === 0) return failure('expired', 'years is 0: at expiry the value does not depend on volatility');

  const market = carryInputs(pricingInput);
  const { lower, upper } = noArbitrageBounds(input.style, market);
  if (price <= lower) {
    return failure('below_lower_bound', `price ${price} is at or below the no-arbitrage floor ${lower}`);
  }
  if (price >= upper) {
    return failure('above_upper_bound', `price ${price} is at or above the no-arbitrage ceiling ${upper}`);
  }

  const excess = (volatility: number) => modelPrice(input.style, { ...market, volatility }) - price;
  if (excess(MIN_VOLATILITY) > 0) {
    return failure('out_of_range', `price ${price} needs a volatility below ${MIN_VOLATILITY}`);
  }
  let high = 1;
  while (excess(high) < 0) {
    if (high >= MAX_VOLATILITY) {
      return failure('out_of_range', `price ${price} needs a volatility above ${MAX_VOLATILITY}`);
    }
    high = Math.min(2 * high, MAX_VOLATILITY);
  }
  const low = high === 1 ? MIN_VOLATILITY : high / 2;
  const solved = brentRoot(excess, low, high, VOLATILITY_TOLERANCE, MAX_ITERATIONS);
  if (!solved.converged) {
    return failure('not_converged', `no volatility within ${MAX_ITERATIONS} iterations for price ${price}`);
  }
  return { ok: true, volatility: solved.root, iterations: solved.iterations };
}

function failure(reason: ImpliedVolatilityFailure, message: string): ImpliedVolatilityResult {
  return { ok: false, reason, message };
}

/**
 * The prices a positive, finite volatility can produce lie strictly between these. European: the discounted forward
 * intrinsic value and the discounted forward (call) or strike (put). American: also at least the immediate-exercise
 * value, at most the spot (call) or the strike (put).
 */
function noArbitrageBounds(
  style: OptionPricingInput['style'],
  market: ReturnType<typeof carryInputs>,
): { lower: number; upper: number } {
  const { right, spot, strike, years, rate, carry } = market;
  const forwardValue = spot * Math.exp((carry - rate) * years);
  const strikeValue = strike * Math.exp(-rate * years);
  const sign = right === 'C' ? 1 : -1;
  const europeanLower = Math.max(sign * (forwardValue - strikeValue), 0);
  const europeanUpper = right === 'C' ? forwardValue : strikeValue;
  if (style === 'european') return { lower: europeanLower, upper: europeanUpper };
  return {
    lower: Math.max(europeanLower, sign * (spot - strike)),
    upper: right === 'C' ? Math.max(spot, europeanUpper) : strike,
  };
}
