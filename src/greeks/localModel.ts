import type { OptionGreeks, Position, PriceQuote } from '../broker/types';
import { zonedWallTimeToEpoch } from '../schedule/resetWindow';
import { optionModelValues, pricingInputProblem, type OptionPricingInput } from './pricing';

export interface LocalModelSettings {
  /** Continuously compounded rate the model discounts with (GREEKS_MODEL_RATE); IB's model uses its own curve. */
  rate: number;
  /** IB's implied volatility older than this is not used (GREEKS_MODEL_MAX_IV_AGE_MS). */
  maxIvAgeMs: number;
}

const YEAR_MS = 365 * 24 * 3600_000;

/**
 * US-listed options stop trading at 16:00 New York time on their expiry day (index and some ETF options earlier or at
 * the open; the model's time to expiry is then a few hours long on the last day).
 */
function expiryInstant(expiry: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(expiry);
  if (!match) return null;
  return zonedWallTimeToEpoch(Number(match[1]), Number(match[2]), Number(match[3]), 16, 0, 'America/New_York');
}

/**
 * Greeks from the bridge's own model for an option whose IB Greeks are not usable now (stale, "not computed" after a
 * good value, or past GREEKS_MAX_AGE_MS): IB's last implied volatility for it, at most `maxIvAgeMs` old, on the
 * underlying's live price `underlying` (which the caller has found fresh). Null when an input is missing.
 *
 * The model: American exercise (US equity and futures options are American; for European index options this
 * overstates a put's early-exercise value a little), Black-76 on the future's price for futures options,
 * Black–Scholes–Merton on the spot price otherwise, with the present value of the dividends IB's model used
 * (pvDividend) taken off the spot (escrowed dividends; none when IB sent none).
 * `computedAt` is the price's time and `ivAt` the volatility's, so the row can say how old the inputs were.
 */
export function localModelGreeks(
  position: Position,
  last: OptionGreeks | undefined,
  underlying: PriceQuote | null,
  now: number,
  settings: LocalModelSettings,
): OptionGreeks | null {
  if (!last || !underlying || !position.right || position.strike === undefined || !position.expiry) return null;
  const volatility = last.impliedVol;
  if (volatility === null || !Number.isFinite(volatility) || volatility <= 0) return null;
  if (last.computedAt <= 0 || now - last.computedAt > settings.maxIvAgeMs) return null;
  const expiresAt = expiryInstant(position.expiry);
  if (expiresAt === null || expiresAt <= now) return null;
  const model = position.secType === 'FOP' ? 'black76' : 'bsm';
  const input: OptionPricingInput = {
    right: position.right,
    style: 'american',
    model,
    underlyingPrice: underlying.price,
    strike: position.strike,
    years: (expiresAt - now) / YEAR_MS,
    rate: settings.rate,
    volatility,
  };
  // A future's price already carries the dividends; on a stock, IB's own figure for those until expiry.
  const pvDividend = last.pvDividend;
  if (model === 'bsm' && pvDividend !== undefined && pvDividend !== null && pvDividend > 0)
    input.pvDividend = pvDividend;
  if (pricingInputProblem(input) !== null) return null;
  const values = optionModelValues(input);
  return {
    conId: position.conId,
    delta: values.delta,
    gamma: values.gamma,
    vega: values.vega,
    theta: values.theta,
    impliedVol: volatility,
    underlyingPrice: underlying.price,
    optionPrice: values.price,
    ...(input.pvDividend !== undefined ? { pvDividend: input.pvDividend } : {}),
    computedAt: underlying.at,
    ivAt: last.computedAt,
    marketDataType: last.marketDataType,
    stale: false,
    source: 'local_model',
  };
}
