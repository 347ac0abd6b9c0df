import { generalizedBlackScholesPrice, type CarryInputs } from './generalizedBlackScholes';
import { bivariateNormalCdf, normalCdf } from './normalDistribution';

/**
 * American option value by the Bjerksund–Stensland (2002) approximation: P. Bjerksund and G. Stensland, "Closed
 * form valuation of American options", NHH discussion paper 2002:9; formulas as in Haug, "The Complete Guide to
 * Option Pricing Formulas", 2nd ed., 2007, §3.1.4. The exercise boundary is taken flat on [0, t1) and on [t1, T]
 * (t1 = (√5 − 1)/2 · T): the value of that feasible but not optimal exercise rule, so it is a LOWER bound of the
 * true American value. Known error: it undervalues by up to a few 1e-3 of the option's value (at most about 0.01
 * per 100 of strike in Haug's tables, largest for long-dated in-the-money options with heavy early exercise);
 * docs/pricing.md has the errors measured here against a CRR binomial tree. The put uses the put–call
 * transformation P(S, K, T, r, b, σ) = C(K, S, T, r − b, −b, σ) (Bjerksund and Stensland 1993).
 *
 * The result is never below the European value (the true American value is not, and the bound can dip under it
 * when early exercise is worth next to nothing).
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
  return Math.max(american, european);
}

function americanCall(spot: number, strike: number, years: number, rate: number, carry: number, vol: number): number {
  // With b ≥ r a call is never exercised early (Merton 1973): the European value is exact.
  if (carry >= rate) {
    return generalizedBlackScholesPrice({ right: 'C', spot, strike, years, rate, carry, volatility: vol });
  }
  const variance = vol * vol;
  const t1 = 0.5 * (Math.sqrt(5) - 1) * years;
  const beta = 0.5 - carry / variance + Math.sqrt((carry / variance - 0.5) ** 2 + (2 * rate) / variance);
  const boundaryInfinity = (beta / (beta - 1)) * strike;
  const boundaryZero = Math.max(strike, (rate / (rate - carry)) * strike);
  const spread = boundaryInfinity - boundaryZero;
  const scale = (strike * strike) / (spread * boundaryZero);
  const h1 = -(carry * t1 + 2 * vol * Math.sqrt(t1)) * scale;
  const h2 = -(carry * years + 2 * vol * Math.sqrt(years)) * scale;
  const trigger1 = boundaryZero + spread * (1 - Math.exp(h1));
  const trigger2 = boundaryZero + spread * (1 - Math.exp(h2));
  if (spot >= trigger2) return spot - strike;
  const alpha1 = (trigger1 - strike) * trigger1 ** -beta;
  const alpha2 = (trigger2 - strike) * trigger2 ** -beta;
  const market: Market = { rate, carry, vol };
  const phi = (t: number, gamma: number, h: number, i: number) => phiTerm(spot, t, gamma, h, i, market);
  const psi = (gamma: number, h: number) => psiTerm(spot, years, gamma, h, trigger2, trigger1, t1, market);
  return (
    alpha2 * spot ** beta -
    alpha2 * phi(t1, beta, trigger2, trigger2) +
    phi(t1, 1, trigger2, trigger2) -
    phi(t1, 1, trigger1, trigger2) -
    strike * phi(t1, 0, trigger2, trigger2) +
    strike * phi(t1, 0, trigger1, trigger2) +
    alpha1 * phi(t1, beta, trigger1, trigger2) -
    alpha1 * psi(beta, trigger1) +
    psi(1, trigger1) -
    psi(1, strike) -
    strike * psi(0, trigger1) +
    strike * psi(0, strike)
  );
}

interface Market {
  rate: number;
  carry: number;
  vol: number;
}

function lambdaOf(gamma: number, market: Market): number {
  const { rate, carry, vol } = market;
  return -rate + gamma * carry + 0.5 * gamma * (gamma - 1) * vol * vol;
}

function kappaOf(gamma: number, market: Market): number {
  return (2 * market.carry) / (market.vol * market.vol) + 2 * gamma - 1;
}

/** φ(S, t, γ, H, I): the value of receiving S^γ at t if S stays below I until then and ends below H. */
function phiTerm(spot: number, t: number, gamma: number, h: number, i: number, market: Market): number {
  const volSqrtT = market.vol * Math.sqrt(t);
  const drift = (market.carry + (gamma - 0.5) * market.vol * market.vol) * t;
  const d = -(Math.log(spot / h) + drift) / volSqrtT;
  const kappa = kappaOf(gamma, market);
  return (
    Math.exp(lambdaOf(gamma, market) * t) *
    spot ** gamma *
    (normalCdf(d) - (i / spot) ** kappa * normalCdf(d - (2 * Math.log(i / spot)) / volSqrtT))
  );
}

/** ψ(S, T, γ, H, I2, I1, t1): the two-period counterpart of φ, with boundary I1 before t1 and I2 after. */
function psiTerm(
  spot: number,
  years: number,
  gamma: number,
  h: number,
  i2: number,
  i1: number,
  t1: number,
  market: Market,
): number {
  const { vol } = market;
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
  return (
    Math.exp(lambdaOf(gamma, market) * years) *
    spot ** gamma *
    (bivariateNormalCdf(-e1, -f1, rho) -
      (i2 / spot) ** kappa * bivariateNormalCdf(-e2, -f2, rho) -
      (i1 / spot) ** kappa * bivariateNormalCdf(-e3, -f3, -rho) +
      (i1 / i2) ** kappa * bivariateNormalCdf(-e4, -f4, -rho))
  );
}
