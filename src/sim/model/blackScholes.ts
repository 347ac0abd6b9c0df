/**
 * Black–Scholes (spot underlyings) and Black-76 (futures underlyings), no dividends, continuous rate r.
 * Greeks follow IBKR's per-share conventions: vega per 1 vol point (0.01), theta per calendar day (/365).
 */

export interface OptionInputs {
  right: 'C' | 'P';
  /** Spot price, or the futures price when `onFuture`. */
  underlyingPrice: number;
  strike: number;
  /** Years to expiry; must be > 0. */
  years: number;
  /** Annualised volatility as a fraction. */
  volatility: number;
  /** Continuously compounded risk-free rate. */
  rate: number;
  /** Black-76: the underlying is a futures price. */
  onFuture: boolean;
}

export interface OptionValuation {
  price: number;
  delta: number;
  gamma: number;
  /** Per 1 vol point, per share. */
  vega: number;
  /** Per calendar day, per share. */
  theta: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** erfc with fractional error below 1.2e-7 (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

export function valueOption(inputs: OptionInputs): OptionValuation {
  const { right, underlyingPrice: s, strike: k, years: t, volatility: sigma, rate: r, onFuture } = inputs;
  const sqrtT = Math.sqrt(t);
  const discount = Math.exp(-r * t);
  // Black-76 discounts the forward; Black–Scholes grows the spot at r. Both share d1/d2 on the forward.
  const forward = onFuture ? s : s / discount;
  const d1 = (Math.log(forward / k) + 0.5 * sigma * sigma * t) / (sigma * sqrtT);
  const d2 = d1 - sigma * sqrtT;
  const pdf = normalPdf(d1);
  const spotFactor = onFuture ? discount : 1;

  const callDelta = spotFactor * normalCdf(d1);
  const price =
    right === 'C'
      ? discount * (forward * normalCdf(d1) - k * normalCdf(d2))
      : discount * (k * normalCdf(-d2) - forward * normalCdf(-d1));
  const delta = right === 'C' ? callDelta : callDelta - spotFactor;
  const gamma = (spotFactor * pdf) / (s * sigma * sqrtT);
  const vega = (spotFactor * s * pdf * sqrtT) / 100;

  const decay = -(spotFactor * s * pdf * sigma) / (2 * sqrtT);
  let annualTheta: number;
  if (onFuture) {
    annualTheta =
      right === 'C'
        ? decay + r * discount * (forward * normalCdf(d1) - k * normalCdf(d2))
        : decay + r * discount * (k * normalCdf(-d2) - forward * normalCdf(-d1));
  } else {
    annualTheta = right === 'C' ? decay - r * k * discount * normalCdf(d2) : decay + r * k * discount * normalCdf(-d2);
  }
  return { price, delta, gamma, vega, theta: annualTheta / 365 };
}
