import type { CarryInputs } from './generalizedBlackScholes';
import type { ExerciseStyle } from './types';

export interface TreeInputs extends CarryInputs {
  style: ExerciseStyle;
  /** Number of time steps, ≥ 1; the error shrinks about as 1/steps and oscillates with its parity. */
  steps: number;
}

/**
 * Cox–Ross–Rubinstein binomial tree (J. Cox, S. Ross, M. Rubinstein, "Option pricing: a simplified approach",
 * Journal of Financial Economics 7, 1979; with cost of carry b as in Haug 2007, ch. 7): u = e^{σ√Δt}, d = 1/u,
 * p = (e^{bΔt} − d)/(u − d). Slow but converging to the exact American value; it is the reference the
 * Bjerksund–Stensland approximation is checked against, not what the bridge prices with.
 */
export function binomialTreePrice(inputs: TreeInputs): number {
  const { right, spot, strike, years, rate, carry, volatility, style, steps } = inputs;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`binomial tree steps must be a positive integer: ${steps}`);
  const dt = years / steps;
  const up = Math.exp(volatility * Math.sqrt(dt));
  const down = 1 / up;
  const probabilityUp = (Math.exp(carry * dt) - down) / (up - down);
  if (!(probabilityUp > 0 && probabilityUp < 1)) {
    throw new Error(`binomial tree with ${steps} steps has no valid probability (p=${probabilityUp}): use more steps`);
  }
  const discountedUp = Math.exp(-rate * dt) * probabilityUp;
  const discountedDown = Math.exp(-rate * dt) * (1 - probabilityUp);
  const sign = right === 'C' ? 1 : -1;
  // The price of node j at level n is S·u^(2j − n): one table of S·u^k for k in [−steps, steps].
  const priceAt = new Float64Array(2 * steps + 1);
  for (let k = -steps; k <= steps; k++) priceAt[k + steps] = spot * up ** k;
  const values = new Float64Array(steps + 1);
  for (let j = 0; j <= steps; j++) values[j] = Math.max(sign * (priceAt[2 * j] - strike), 0);
  const early = style === 'american';
  // Comparisons rather than Math.max in the O(steps²) loop: Math.max runs many times slower inside Jest's VM
  // context, and this loop is what the tests spend their time in.
  for (let level = steps - 1; level >= 0; level--) {
    for (let j = 0; j <= level; j++) {
      const held = discountedDown * values[j] + discountedUp * values[j + 1];
      const exercised = early ? sign * (priceAt[2 * j - level + steps] - strike) : 0;
      values[j] = early && exercised > held ? exercised : held;
    }
  }
  return values[0];
}

/**
 * The mean of the n- and (n+1)-step trees: the CRR error alternates in sign with the parity of n, so the mean
 * cancels most of the oscillation (a standard smoothing; still a O(1/n) method).
 */
export function smoothedBinomialTreePrice(inputs: TreeInputs): number {
  return 0.5 * (binomialTreePrice(inputs) + binomialTreePrice({ ...inputs, steps: inputs.steps + 1 }));
}
