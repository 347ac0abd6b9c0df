import { MarketModel, ModelGreeks, OptionContract, valueOption } from '../model';
import { expiryInstant, MS_PER_YEAR } from '../model/time';
import { quoteGreeks } from './quoteGreeks';

/** The model floors time to expiry at one hour (marketModel.ts); a calculation uses the same time to expiry. */
const MIN_YEARS = 1 / (365 * 24);

/**
 * calculateOptionPrice: the model's own formula (Black–Scholes, Black-76 for futures options) with the rate and
 * time to expiry of its streaming Greeks at t, but at the volatility and underlying price the request names.
 */
export function calculateOptionPrice(
  model: MarketModel,
  option: OptionContract,
  t: number,
  volatility: number,
  underlyingPrice: number,
): ModelGreeks {
  const at = model.bucketStart(t);
  const years = Math.max((expiryInstant(option.expiry) - at) / MS_PER_YEAR, MIN_YEARS);
  const valuation = valueOption({
    right: option.right,
    underlyingPrice,
    strike: option.strike,
    years,
    volatility,
    rate: model.rate,
    onFuture: option.secType === 'FOP',
  });
  return {
    impliedVol: volatility,
    delta: valuation.delta,
    gamma: valuation.gamma,
    vega: valuation.vega,
    theta: valuation.theta,
    optionPrice: valuation.price,
    underlyingPrice,
  };
}

/**
 * calculateImpliedVolatility: the volatility at which the model prices the option at optionPrice (same rate and
 * time to expiry as above, at the given underlying price), and the Greeks at that volatility. Undefined when no
 * volatility reproduces the price (below intrinsic value, say).
 */
export function calculateImpliedVolatility(
  model: MarketModel,
  option: OptionContract,
  t: number,
  optionPrice: number,
  underlyingPrice: number,
): ModelGreeks | undefined {
  const startVol = model.optionGreeks(option.conId, t).impliedVol;
  return quoteGreeks(model, option, optionPrice, t, startVol, underlyingPrice);
}
