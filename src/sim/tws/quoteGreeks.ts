import { MarketModel, ModelGreeks, OptionContract, valueOption } from '../model';
import { expiryInstant, MS_PER_YEAR } from '../model/time';

/** The model floors time to expiry at one hour (marketModel.ts); the quote computations use the same inputs. */
const MIN_YEARS = 1 / (365 * 24);
const MIN_VOL = 0.001;
const MAX_VOL = 5;

/**
 * What IBKR's bid/ask/last option computations (ticks 10/11/12) carry: the volatility implied by that quote and the
 * Greeks at that volatility, with the same underlying, rate and time to expiry as the model tick. Undefined when no
 * volatility reproduces the price (below intrinsic value, say): TWS then sends its "not computed" sentinels.
 */
export function quoteGreeks(
  model: MarketModel,
  option: OptionContract,
  price: number,
  t: number,
): ModelGreeks | undefined {
  const at = model.bucketStart(t);
  const spot = model.underlyingPrice(option.underConId, at);
  const years = Math.max((expiryInstant(option.expiry) - at) / MS_PER_YEAR, MIN_YEARS);
  const value = (volatility: number) =>
    valueOption({
      right: option.right,
      underlyingPrice: spot,
      strike: option.strike,
      years,
      volatility,
      rate: model.rate,
      onFuture: option.secType === 'FOP',
    });
  if (!(price > value(MIN_VOL).price && price < value(MAX_VOL).price)) return undefined;
  // The price grows with volatility: bisect to well below a cent's worth of volatility.
  let low = MIN_VOL;
  let high = MAX_VOL;
  for (let i = 0; i < 60; i += 1) {
    const middle = (low + high) / 2;
    if (value(middle).price < price) low = middle;
    else high = middle;
  }
  const impliedVol = (low + high) / 2;
  const valuation = value(impliedVol);
  return {
    impliedVol,
    delta: valuation.delta,
    gamma: valuation.gamma,
    vega: valuation.vega,
    theta: valuation.theta,
    optionPrice: price,
    underlyingPrice: spot,
  };
}
