import { normalCdf, normalPdf } from './normalDistribution';
import type { OptionRight } from './types';

/**
 * The generalized Black–Scholes–Merton formula with cost of carry b (Haug, "The Complete Guide to Option Pricing
 * Formulas", 2nd ed., 2007, ch. 1): b = r − q for a stock with continuous dividend yield q (Merton 1973), b = 0 for
 * an option on a futures price (Black 1976, with the futures price F as S). European exercise only.
 *
 * All values here are in the formula's own units (per 1.0 of volatility, per year); optionModelValues converts them
 * to IB's.
 */
export interface CarryInputs {
  right: OptionRight;
  /** Spot (or futures) price, > 0. */
  spot: number;
  /** Strike, > 0. */
  strike: number;
  /** Years to expiry, > 0. */
  years: number;
  /** Continuously compounded risk-free rate, per year. */
  rate: number;
  /** Cost of carry b, per year: r − q for stocks, 0 for futures. */
  carry: number;
  /** Volatility, a fraction per √year, > 0. */
  volatility: number;
}

export interface CarryValuation {
  price: number;
  /** ∂V/∂S. */
  delta: number;
  /** ∂²V/∂S². */
  gamma: number;
  /** ∂V/∂σ, per 1.0 of volatility. */
  vega: number;
  /** −∂V/∂T: change of value per year of calendar time passing, with S, r, b, σ held. */
  theta: number;
}

export function generalizedBlackScholes(inputs: CarryInputs): CarryValuation {
  const { right, spot, strike, years, rate, carry, volatility } = inputs;
  const sqrtT = Math.sqrt(years);
  const volSqrtT = volatility * sqrtT;
  const d1 = (Math.log(spot / strike) + (carry + 0.5 * volatility * volatility) * years) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const carryDiscount = Math.exp((carry - rate) * years);
  const discount = Math.exp(-rate * years);
  const density = normalPdf(d1);
  const gamma = (carryDiscount * density) / (spot * volSqrtT);
  const vega = spot * carryDiscount * density * sqrtT;
  const decay = -(spot * carryDiscount * density * volatility) / (2 * sqrtT);
  if (right === 'C') {
    const nd1 = normalCdf(d1);
    const nd2 = normalCdf(d2);
    return {
      price: spot * carryDiscount * nd1 - strike * discount * nd2,
      delta: carryDiscount * nd1,
      gamma,
      vega,
      theta: decay - (carry - rate) * spot * carryDiscount * nd1 - rate * strike * discount * nd2,
    };
  }
  const nMinusD1 = normalCdf(-d1);
  const nMinusD2 = normalCdf(-d2);
  return {
    price: strike * discount * nMinusD2 - spot * carryDiscount * nMinusD1,
    delta: -carryDiscount * nMinusD1,
    gamma,
    vega,
    theta: decay + (carry - rate) * spot * carryDiscount * nMinusD1 + rate * strike * discount * nMinusD2,
  };
}

/** The European value alone, for the American approximation and the solvers. */
export function generalizedBlackScholesPrice(inputs: CarryInputs): number {
  const { right, spot, strike, years, rate, carry, volatility } = inputs;
  const volSqrtT = volatility * Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + (carry + 0.5 * volatility * volatility) * years) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const forwardValue = spot * Math.exp((carry - rate) * years);
  const strikeValue = strike * Math.exp(-rate * years);
  return right === 'C'
    ? forwardValue * normalCdf(d1) - strikeValue * normalCdf(d2)
    : strikeValue * normalCdf(-d2) - forwardValue * normalCdf(-d1);
}
