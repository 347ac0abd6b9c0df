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
  /** Where the search starts: the model's volatility is close to any quote's. */
  startVol = 0.3,
  /** The underlying price to solve at: the model's at t unless a calculation request names one. */
  underlyingPrice?: number,
): ModelGreeks | undefined {
  const at = model.bucketStart(t);
  const spot = underlyingPrice ?? model.underlyingPrice(option.underConId, at);
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
  const impliedVol = solveVolatility(value, price, startVol);
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

/**
 * Newton's method from a nearby volatility (the quote is within a few percent of the model price, so it converges
 * in a handful of steps), with bisection when a step leaves the bracket. The price grows with volatility.
 */
function solveVolatility(
  value: (volatility: number) => { price: number; vega: number },
  price: number,
  start: number,
): number {
  let low = MIN_VOL;
  let high = MAX_VOL;
  let volatility = Math.min(Math.max(start, MIN_VOL), MAX_VOL);
  for (let i = 0; i < 100; i += 1) {
    const valuation = value(volatility);
    const error = valuation.price - price;
    if (Math.abs(error) < 1e-10) return volatility;
    if (error < 0) low = volatility;
    else high = volatility;
    // vega is per vol point: the derivative with respect to volatility is 100 times it.
    const step = valuation.vega > 0 ? error / (valuation.vega * 100) : Number.NaN;
    const next = volatility - step;
    volatility = Number.isFinite(next) && next > low && next < high ? next : (low + high) / 2;
    if (high - low < 1e-12) break;
  }
  return volatility;
}
