import { bivariateNormalCdf, normalCdf, normalPdf } from '../../../src/greeks/pricing/normalDistribution';

/** M(a, b; ρ) = ∫_{−∞}^{a} φ(x) Φ((b − ρx)/√(1 − ρ²)) dx by composite Simpson on [−12, a]: an independent check. */
function bivariateByQuadrature(a: number, b: number, rho: number): number {
  const low = -12;
  const intervals = 20_000;
  const h = (a - low) / intervals;
  const scale = Math.sqrt(1 - rho * rho);
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const x = low + i * h;
    const weight = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * normalPdf(x) * normalCdf((b - rho * x) / scale);
  }
  return (sum * h) / 3;
}

describe('normal distribution', () => {
  // Φ(x) = erfc(−x/√2)/2 as the C library's erfc gives it (glibc, within 1 ulp), rounded to 16 digits; the same as
  // Abramowitz and Stegun, Handbook of Mathematical Functions, 1964, Table 26.1, to the digits that table prints.
  it.each([
    [-8, 6.220960574271819e-16],
    [-5, 2.866515718791939e-7],
    [-2, 0.022750131948179195],
    [-1, 0.15865525393145707],
    [0, 0.5],
    [0.5, 0.6914624612740131],
    [1, 0.8413447460685429],
    [3, 0.9986501019683699],
  ])('Φ(%d) is exact to 1e-14, and to 1e-8 relative in the tail', (x, expected) => {
    const got = normalCdf(x);
    expect(Math.abs(got - expected)).toBeLessThan(1e-14);
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-8);
  });

  it('is symmetric and saturates far out', () => {
    for (const x of [0.1, 1.3, 4.2, 9]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('M(0, 0; ρ) = 1/4 + asin(ρ)/(2π) exactly (Sheppard), for every correlation branch', () => {
    for (const rho of [-0.999, -0.95, -0.8, -0.5, -0.1, 0, 0.2, 0.6, 0.9, 0.95, 0.999]) {
      expect(Math.abs(bivariateNormalCdf(0, 0, rho) - (0.25 + Math.asin(rho) / (2 * Math.PI)))).toBeLessThan(1e-14);
    }
  });

  it('M(a, b; 0) = Φ(a)Φ(b), and M at ρ = ±1 is the degenerate limit', () => {
    expect(bivariateNormalCdf(0.7, -1.2, 0)).toBeCloseTo(normalCdf(0.7) * normalCdf(-1.2), 15);
    expect(bivariateNormalCdf(0.7, -1.2, 1)).toBeCloseTo(normalCdf(-1.2), 14);
    expect(bivariateNormalCdf(0.7, 1.2, -1)).toBeCloseTo(normalCdf(0.7) + normalCdf(1.2) - 1, 14);
    expect(bivariateNormalCdf(-0.7, 0.2, -1)).toBe(0);
  });

  it('agrees with direct quadrature to 1e-10 over a grid of limits and correlations', () => {
    let worst = 0;
    for (const a of [-3, -1, 0, 0.7, 2.5]) {
      for (const b of [-2, -0.3, 1, 3]) {
        for (const rho of [-0.99, -0.93, -0.8, -0.5, -0.2, 0.2, 0.5, 0.8, 0.93, 0.99]) {
          worst = Math.max(worst, Math.abs(bivariateNormalCdf(a, b, rho) - bivariateByQuadrature(a, b, rho)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-10);
  });
});
