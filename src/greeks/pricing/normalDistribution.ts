/**
 * The standard normal density, its cumulative distribution and the bivariate cumulative distribution the
 * Bjerksund–Stensland 2002 formula needs.
 *
 * Sources: the univariate CDF is Hart's double-precision algorithm 5666 (J. F. Hart et al., "Computer
 * Approximations", Wiley, 1968), as presented by G. West, "Better approximations to cumulative normal
 * functions", Wilmott Magazine, 2005 (absolute error below 1e-14). The bivariate CDF is the Drezner–Wesolowsky
 * method with Gauss–Legendre quadrature as refined by A. Genz, "Numerical computation of rectangular bivariate
 * and trivariate normal and t probabilities", Statistics and Computing 14 (2004) 251–260 (accuracy about 1e-15).
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** φ(x) = exp(−x²/2) / √(2π). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/** Φ(x) = P(X ≤ x) for a standard normal X. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const density = Math.exp(-0.5 * z * z);
    if (z < 7.07106781186547) {
      let numerator = 3.52624965998911e-2 * z + 0.700383064443688;
      numerator = numerator * z + 6.37396220353165;
      numerator = numerator * z + 33.912866078383;
      numerator = numerator * z + 112.079291497871;
      numerator = numerator * z + 221.213596169931;
      numerator = numerator * z + 220.206867912376;
      let denominator = 8.83883476483184e-2 * z + 1.75566716318264;
      denominator = denominator * z + 16.064177579207;
      denominator = denominator * z + 86.7807322029461;
      denominator = denominator * z + 296.564248779674;
      denominator = denominator * z + 637.333633378831;
      denominator = denominator * z + 793.826512519948;
      denominator = denominator * z + 440.413735824752;
      tail = (density * numerator) / denominator;
    } else {
      // Continued fraction for the far tail.
      let fraction = z + 0.65;
      fraction = z + 4 / fraction;
      fraction = z + 3 / fraction;
      fraction = z + 2 / fraction;
      fraction = z + 1 / fraction;
      tail = density / fraction / SQRT_2PI;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Nodes in (−1, 0) and weights of the n-point Gauss–Legendre rule (n even), by Newton's method on P_n. */
function gaussLegendreHalf(n: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= n / 2; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let previous = 1;
      let current = x;
      for (let k = 2; k <= n; k++) {
        const next = ((2 * k - 1) * x * current - (k - 1) * previous) / k;
        previous = current;
        current = next;
      }
      derivative = (n * (x * current - previous)) / (x * x - 1);
      const step = current / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    nodes.push(-x);
    weights.push(2 / ((1 - x * x) * derivative * derivative));
  }
  return { nodes, weights };
}

const GAUSS_6 = gaussLegendreHalf(6);
const GAUSS_12 = gaussLegendreHalf(12);
const GAUSS_20 = gaussLegendreHalf(20);

/** P(X > h, Y > k) for standard normals with correlation rho (Genz 2004, BVND). */
function upperBivariate(h: number, k: number, rho: number): number {
  const absRho = Math.abs(rho);
  const rule = absRho < 0.3 ? GAUSS_6 : absRho < 0.75 ? GAUSS_12 : GAUSS_20;
  const count = rule.nodes.length;
  let hk = h * k;
  let sum = 0;
  if (absRho < 0.925) {
    const hs = (h * h + k * k) / 2;
    const asinRho = Math.asin(rho);
    for (let i = 0; i < count; i++) {
      for (const sign of [-1, 1]) {
        const sn = Math.sin((asinRho * (sign * rule.nodes[i] + 1)) / 2);
        sum += rule.weights[i] * Math.exp((sn * hk - hs) / (1 - sn * sn));
      }
    }
    return (sum * asinRho) / (4 * Math.PI) + normalCdf(-h) * normalCdf(-k);
  }
  let kk = k;
  if (rho < 0) {
    kk = -kk;
    hk = -hk;
  }
  if (absRho < 1) {
    const as = (1 - rho) * (1 + rho);
    let a = Math.sqrt(as);
    const bs = (h - kk) * (h - kk);
    const c = (4 - hk) / 8;
    const d = (12 - hk) / 16;
    sum = a * Math.exp(-(bs / as + hk) / 2) * (1 - (c * (bs - as) * (1 - (d * bs) / 5)) / 3 + (c * d * as * as) / 5);
    if (hk > -160) {
      const b = Math.sqrt(bs);
      sum -= Math.exp(-hk / 2) * SQRT_2PI * normalCdf(-b / a) * b * (1 - (c * bs * (1 - (d * bs) / 5)) / 3);
    }
    a /= 2;
    for (let i = 0; i < count; i++) {
      for (const sign of [-1, 1]) {
        const xs = (a * (sign * rule.nodes[i] + 1)) ** 2;
        const rs = Math.sqrt(1 - xs);
        sum +=
          a *
          rule.weights[i] *
          (Math.exp(-bs / (2 * xs) - hk / (1 + rs)) / rs - Math.exp(-(bs / xs + hk) / 2) * (1 + c * xs * (1 + d * xs)));
      }
    }
    sum = -sum / (2 * Math.PI);
  }
  if (rho > 0) return sum + normalCdf(-Math.max(h, kk));
  let result = -sum;
  if (kk > h) result += h < 0 ? normalCdf(kk) - normalCdf(h) : normalCdf(-h) - normalCdf(-kk);
  return result;
}

/** M(a, b; rho) = P(X ≤ a, Y ≤ b) for standard normals X, Y with correlation rho in [−1, 1]. */
export function bivariateNormalCdf(a: number, b: number, rho: number): number {
  const value = upperBivariate(-a, -b, rho);
  return Math.min(1, Math.max(0, value));
}
