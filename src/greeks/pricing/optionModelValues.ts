import { bjerksundStensland2002Price } from './bjerksundStensland2002';
import { generalizedBlackScholes, generalizedBlackScholesPrice, type CarryInputs } from './generalizedBlackScholes';
import type { OptionModelValues, OptionPricingInput } from './types';

/** A pricing input the formulas cannot value; the message is one line naming the field and the value. */
export class PricingInputError extends Error {
  override readonly name = 'PricingInputError';
}

const DAYS_PER_YEAR = 365;
const VOL_POINT = 0.01;

/**
 * Price and Greeks of one option in IB's units (see OptionModelValues): delta and gamma per 1.0 of the underlying,
 * vega per volatility point, theta per calendar day, all per share. European options, and American ones that are
 * never exercised early, get the closed-form values; other American ones the Bjerksund–Stensland 2002 value with
 * central finite-difference Greeks. Throws PricingInputError for an input outside the models' domain (check it first
 * with pricingInputProblem to avoid the throw).
 */
export function optionModelValues(input: OptionPricingInput): OptionModelValues {
  const problem = pricingInputProblem(input);
  if (problem) throw new PricingInputError(problem);
  if (input.years === 0) return atExpiry(input);
  const market = carryInputs(input);
  if (input.style === 'european' || earlyExerciseNeverPays(market)) return europeanValues(input);
  return americanValues(input, market);
}

/** The closed form on the European inputs (escrowed dividends), whatever the style asked for. */
function europeanValues(input: OptionPricingInput): OptionModelValues {
  const values = generalizedBlackScholes(carryInputs({ ...input, style: 'european' }));
  return {
    price: values.price,
    delta: values.delta,
    gamma: values.gamma,
    vega: values.vega * VOL_POINT,
    theta: (values.theta - dividendAccretion(input) * values.delta) / DAYS_PER_YEAR,
  };
}

/** Why the input cannot be priced, in one line; null when it can. */
export function pricingInputProblem(input: OptionPricingInput): string | null {
  const { right, style, model, underlyingPrice, strike, years, rate, volatility } = input;
  const dividendYield = input.dividendYield ?? 0;
  const pvDividend = input.pvDividend ?? 0;
  if (right !== 'C' && right !== 'P') return `right must be 'C' or 'P', got ${String(right)}`;
  if (style !== 'european' && style !== 'american') return `style must be european or american, got ${String(style)}`;
  if (model !== 'bsm' && model !== 'black76') return `model must be bsm or black76, got ${String(model)}`;
  if (!(Number.isFinite(underlyingPrice) && underlyingPrice > 0)) {
    return `underlyingPrice must be a finite number > 0, got ${underlyingPrice}`;
  }
  if (!(Number.isFinite(strike) && strike > 0)) return `strike must be a finite number > 0, got ${strike}`;
  if (!(Number.isFinite(years) && years >= 0)) return `years must be a finite number >= 0, got ${years}`;
  if (!Number.isFinite(rate)) return `rate must be a finite number, got ${rate}`;
  if (!Number.isFinite(dividendYield)) return `dividendYield must be a finite number, got ${dividendYield}`;
  if (!(Number.isFinite(pvDividend) && pvDividend >= 0)) {
    return `pvDividend must be a finite number >= 0, got ${pvDividend}`;
  }
  if (model === 'black76' && (dividendYield !== 0 || pvDividend !== 0)) {
    return 'black76 takes no dividendYield or pvDividend: the futures price already carries them';
  }
  if (pvDividend >= underlyingPrice) {
    return `pvDividend (${pvDividend}) must be below underlyingPrice (${underlyingPrice})`;
  }
  if (years > 0 && !(Number.isFinite(volatility) && volatility > 0)) {
    return `volatility must be a finite number > 0, got ${volatility}`;
  }
  return null;
}

/**
 * The formula's inputs. 'black76': the futures price and b = 0. 'bsm': b = r − q, and the discrete dividends
 * (pvDividend = D) enter as the escrowed-dividend model prices them: on the spot S − D for European options. For
 * American ones the same dividends are spread instead as the continuous yield with the same forward,
 * q_D = −ln(1 − D/S)/T, on the spot S: the European value is identical (it depends on the forward only), but the
 * American approximation then sees the incentive to exercise a call early for the dividend, which the escrowed form
 * (b = r) would hide. A yield cannot place the exercise just before an ex-date: see docs/pricing.md.
 */
export function carryInputs(input: OptionPricingInput): CarryInputs {
  const pvDividend = input.pvDividend ?? 0;
  const common = {
    right: input.right,
    strike: input.strike,
    years: input.years,
    rate: input.rate,
    volatility: input.volatility,
  };
  if (input.model === 'black76') return { ...common, spot: input.underlyingPrice, carry: 0 };
  const yieldCarry = input.rate - (input.dividendYield ?? 0);
  if (input.style === 'american' && pvDividend > 0) {
    const dividendYieldEquivalent = -Math.log1p(-pvDividend / input.underlyingPrice) / input.years;
    return { ...common, spot: input.underlyingPrice, carry: yieldCarry - dividendYieldEquivalent };
  }
  return { ...common, spot: input.underlyingPrice - pvDividend, carry: yieldCarry };
}

/** The value alone (European closed form or American approximation), on the formula's inputs. */
export function modelPrice(style: OptionPricingInput['style'], market: CarryInputs): number {
  return style === 'american' ? bjerksundStensland2002Price(market) : generalizedBlackScholesPrice(market);
}

/**
 * With S held, the present value of the dividends still to come grows at r as time passes (until each is paid),
 * so the escrowed spot S − pvDividend falls by r·pvDividend per year: theta includes −delta·r·pvDividend.
 */
function dividendAccretion(input: OptionPricingInput): number {
  return input.rate * (input.pvDividend ?? 0);
}

/**
 * Merton (1973): a call is never exercised early when b ≥ r (no dividends: b = r), a put never when r ≤ 0; the
 * American value is then the European one, and so are its closed-form Greeks.
 */
function earlyExerciseNeverPays(market: CarryInputs): boolean {
  return market.right === 'C' ? market.carry >= market.rate : market.rate <= 0;
}

function atExpiry(input: OptionPricingInput): OptionModelValues {
  const sign = input.right === 'C' ? 1 : -1;
  const spot = input.underlyingPrice - (input.pvDividend ?? 0);
  const inTheMoney = sign * (spot - input.strike) > 0;
  return {
    price: Math.max(sign * (spot - input.strike), 0),
    delta: inTheMoney ? sign : 0,
    gamma: 0,
    vega: 0,
    theta: 0,
  };
}

/**
 * Relative bump sizes of the central differences: small enough for O(h²) errors near 1e-8, large enough for the
 * rounding of the approximation (about 1e-13 of the value) divided by h² to stay below 1e-5.
 */
const SPOT_BUMP = 1e-4;
const VOL_BUMP = 1e-4;
const TIME_BUMP = 1e-4;

function americanValues(input: OptionPricingInput, market: CarryInputs): OptionModelValues {
  const price = bjerksundStensland2002Price(market);
  // Bumps go through carryInputs again, so that a dividend's equivalent yield follows the bumped spot and time.
  const priceWith = (changes: Partial<OptionPricingInput>) =>
    bjerksundStensland2002Price(carryInputs({ ...input, ...changes }));
  const ds = SPOT_BUMP * input.underlyingPrice;
  const up = priceWith({ underlyingPrice: input.underlyingPrice + ds });
  const down = priceWith({ underlyingPrice: input.underlyingPrice - ds });
  const dv = VOL_BUMP * input.volatility;
  const vega =
    (priceWith({ volatility: input.volatility + dv }) - priceWith({ volatility: input.volatility - dv })) / (2 * dv);
  const dt = TIME_BUMP * input.years;
  // Calendar time passing by ±dt: T shrinks by dt and the dividends' present value accretes at r.
  const pvDividend = input.pvDividend ?? 0;
  const atTime = (elapsed: number) =>
    priceWith({ years: input.years - elapsed, pvDividend: pvDividend * Math.exp(input.rate * elapsed) });
  const theta = (atTime(dt) - atTime(-dt)) / (2 * dt);
  return {
    price,
    // Deep in the exercise region the value is K − S on both sides of the bump and the difference quotient is −1 give
    // or take rounding (−1.0000000000006 was seen); an option's delta is never beyond ±1.
    delta: Math.min(1, Math.max(-1, (up - down) / (2 * ds))),
    gamma: (up - 2 * price + down) / (ds * ds),
    vega: vega * VOL_POINT,
    theta: theta / DAYS_PER_YEAR,
  };
}
