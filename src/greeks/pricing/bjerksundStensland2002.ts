import { generalizedBlackScholesPrice, type CarryInputs } from './generalizedBlackScholes';
import { bivariateNormalCdf, normalCdf } from './normalDistribution';

/**
 * American option value by the Bjerksund–Stensland (2002) approximation: P. Bjerksund and G. Stensland, "Closed
 * form valuation of American options", NHH discussion paper 2002:9; formulas as in Haug, "The Complete Guide to
 * Option Pricing Formulas", 2nd ed., 2007, ch. 3. The exercise boundary is taken flat on [0, t1) and on [t1, T]
 * (t1 = (√5 − 1)/2 · T): the value of that feasible but not optimal exercise rule, so it is a LOWER bound of the
 * true American value. Known error, measured against a CRR tree (docs/pricing.md): it undervalues by up to about
 * 0.2 per 100 of strike and 2 % of the value, most for long-dated or deep in-the-money options whose early exercise
 * is worth much; calls that are never exercised early are exact. The put uses the put–call
 * transformation P(S, K, T, r, b, σ) = C(K, S, T, r − b, −b, σ) (Bjerksund and Stensland 1993).
 *
 * The result is never below the European value nor the immediate-exercise value (the true American value is not,
 * and the two-step strategy alone can dip under either: when early exercise is worth next to nothing, or just outside
 * its flat boundary).
 */
export function bjerksundStensland2002Price(inputs: CarryInputs): number {
  const european = generalizedBlackScholesPrice(inputs);
  const american =
    inputs.right === 'C'
      ? americanCall(inputs.spot, inputs.strike, inputs.years, inputs.rate, inputs.carry, inputs.volatility)
      : americanCall(
          inputs.strike,
          inputs.spot,
          inputs.years,
          inputs.rate - inputs.carry,
          -inputs.carry,
          inputs.volatility,
        );
  // Exercising now is a feasible strategy too, so the best of the three is still a lower bound of the true value;
  // near the boundary the two-step strategy alone can be worth less than immediate exercise. Past the formula's
  // numerical range (not met at any volatility ≥ 1e-4 in the tests) fall back to the other two: NaN must never reach
  // a caller.
  const immediate = inputs.right === 'C' ? inputs.spot - inputs.strike : inputs.strike - inputs.spot;
  return Number.isFinite(american) ? Math.max(american, european, immediate) : Math.max(european, immediate);
}

function americanCall(spot: number, strike: number, years: number, rate: number, carry: number, vol: number): number {
  // With b ≥ r a call is never exercised early (Merton 1973): the European value is exact.
  if (carry >= rate) {
    return generalizedBlackScholesPrice({ right: 'C', spot, strike, years, rate, carry, volatility: vol });
  }
  const variance = vol * vol;
  const t1 = 0.5 * (Math.sqrt(5) - 1) * years;
  const beta = positiveRoot(0.5 - carry / variance, (2 * rate) / variance);
  const boundaryInfinity = (beta / (beta - 1)) * strike;
  const boundaryZero = Math.max(strike, (rate / (rate - carry)) * strike);
  // B∞ ≥ B0 in exact arithmetic; at tiny volatilities they meet and rounding may cross them.
  const spread = Math.max(boundaryInfinity - boundaryZero, 0);
  const trigger = (t: number) => {
    if (spread === 0) return boundaryZero;
    const h = (-(carry * t + 2 * vol * Math.sqrt(t)) * strike * strike) / (spread * boundaryZero);
    return boundaryZero + spread * -Math.expm1(h);
  };
  const trigger1 = trigger(t1);
  const trigger2 = trigger(years);
  if (spot >= trigger2) return spot - strike;

  const market: Market = { spot, rate, carry, vol };
  // Each term is prefactor × [probability part]; the prefactors are passed as logarithms so that the S^β and I^−β of
  // the paper, which overflow at low volatility (β grows like 2r/σ²), are combined as (S/I)^β ≤ 1 first.
  // For γ = β the exponent λ is 0 exactly: β is the root of ½σ²β(β − 1) + bβ − r = 0.
  const logBeta = (i: number) => Math.log(i - strike) + beta * Math.log(spot / i);
  const logOne = (t: number) => Math.log(spot) + (carry - rate) * t;
  const logStrike = (t: number) => Math.log(strike) - rate * t;
  const phi = (logPrefactor: number, gamma: number, h: number, i: number) =>
    phiTerm(logPrefactor, t1, gamma, h, i, market);
  const psi = (logPrefactor: number, gamma: number, h: number) =>
    psiTerm(logPrefactor, years, gamma, h, trigger2, trigger1, t1, market);
  return (
    (trigger2 - strike) * (spot / trigger2) ** beta -
    phi(logBeta(trigger2), beta, trigger2, trigger2) +
    phi(logOne(t1), 1, trigger2, trigger2) -
    phi(logOne(t1), 1, trigger1, trigger2) -
    phi(logStrike(t1), 0, trigger2, trigger2) +
    phi(logStrike(t1), 0, trigger1, trigger2) +
    phi(logBeta(trigger1), beta, trigger1, trigger2) -
    psi(logBeta(trigger1), beta, trigger1) +
    psi(logOne(years), 1, trigger1) -
    psi(logOne(years), 1, strike) -
    psi(logStrike(years), 0, trigger1) +
    psi(logStrike(years), 0, strike)
  );
}

/** a + √(a² + c) for c > 0, without the cancellation of the direct form when a is large and negative. */
function positiveRoot(a: number, c: number): number {
  const root = Math.sqrt(a * a + c);
  return a >= 0 ? a + root : c / (root - a);
}

interface Market {
  spot: number;
  rate: number;
  carry: number;
  vol: number;
}

function kappaOf(gamma: number, market: Market): number {
  return (2 * market.carry) / (market.vol * market.vol) + 2 * gamma - 1;
}

/** ratio^κ × probability, in logarithms: the power alone may overflow where the product is small. */
function reflected(logRatio: number, kappa: number, probability: number): number {
  if (probability <= 0) return 0;
  return Math.exp(kappa * logRatio + Math.log(probability));
}

/** ratio^κ × Φ(x), with Φ's logarithm continued asymptotically where Φ itself underflows. */
function reflectedCdf(logRatio: number, kappa: number, x: number): number {
  return Math.exp(kappa * logRatio + logNormalCdf(x));
}

function logNormalCdf(x: number): number {
  if (x > -30) return Math.log(normalCdf(x));
  // Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + …) (Abramowitz and Stegun 26.2.12), ample at |x| ≥ 30.
  const x2 = x * x;
  return (
    -0.5 * x2 - Math.log(-x) - 0.5 * Math.log(2 * Math.PI) + Math.log1p(-1 / x2 + 3 / (x2 * x2) - 15 / (x2 * x2 * x2))
  );
}

/**
 * φ(S, t, γ, H, I) of the paper with its factor e^{λt}·S^γ (times any coefficient) given as logPrefactor: the value
 * of receiving S^γ at t if S stays below I until then and ends below H.
 */
function phiTerm(logPrefactor: number, t: number, gamma: number, h: number, i: number, market: Market): number {
  const { spot, carry, vol } = market;
  const volSqrtT = vol * Math.sqrt(t);
  const d = -(Math.log(spot / h) + (carry + (gamma - 0.5) * vol * vol) * t) / volSqrtT;
  const logRatio = Math.log(i / spot);
  const probability = normalCdf(d) - reflectedCdf(logRatio, kappaOf(gamma, market), d - (2 * logRatio) / volSqrtT);
  return probability === 0 ? 0 : Math.exp(logPrefactor) * probability;
}

/** ψ(S, T, γ, H, I2, I1, t1): the two-period counterpart of φ, with boundary I1 before t1 and I2 after. */
function psiTerm(
  logPrefactor: number,
  years: number,
  gamma: number,
  h: number,
  i2: number,
  i1: number,
  t1: number,
  market: Market,
): number {
  const { spot, vol } = market;
  const driftRate = market.carry + (gamma - 0.5) * vol * vol;
  const volSqrtT1 = vol * Math.sqrt(t1);
  const volSqrtT = vol * Math.sqrt(years);
  const e1 = (Math.log(spot / i1) + driftRate * t1) / volSqrtT1;
  const e2 = (Math.log((i2 * i2) / (spot * i1)) + driftRate * t1) / volSqrtT1;
  const e3 = (Math.log(spot / i1) - driftRate * t1) / volSqrtT1;
  const e4 = (Math.log((i2 * i2) / (spot * i1)) - driftRate * t1) / volSqrtT1;
  const f1 = (Math.log(spot / h) + driftRate * years) / volSqrtT;
  const f2 = (Math.log((i2 * i2) / (spot * h)) + driftRate * years) / volSqrtT;
  const f3 = (Math.log((i1 * i1) / (spot * h)) + driftRate * years) / volSqrtT;
  const f4 = (Math.log((spot * i1 * i1) / (h * i2 * i2)) + driftRate * years) / volSqrtT;
  const rho = Math.sqrt(t1 / years);
  const kappa = kappaOf(gamma, market);
  const probability =
    bivariateNormalCdf(-e1, -f1, rho) -
    reflected(Math.log(i2 / spot), kappa, bivariateNormalCdf(-e2, -f2, rho)) -
    reflected(Math.log(i1 / spot), kappa, bivariateNormalCdf(-e3, -f3, -rho)) +
    reflected(Math.log(i1 / i2), kappa, bivariateNormalCdf(-e4, -f4, -rho));
  return probability === 0 ? 0 : Math.exp(logPrefactor) * probability;
}
