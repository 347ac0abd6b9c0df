import type { OptionGreeks } from '../broker/types';

/**
 * The range every input of the aggregation must lie in. A value outside is not a market fact but a broken feed (a
 * garbled tick, a unit mix-up): the position is excluded with reason 'implausible' rather than allowed to distort,
 * or overflow, the totals. Each bound says why it holds.
 */
export const PLAUSIBILITY_BOUNDS = Object.freeze({
  /** Per-share option delta: a call's lies in [0, 1] and a put's in [-1, 0] (the position's sign is its quantity). */
  optionDeltaAbsMax: 1,
  /** Per-share gamma and vega of an option are never negative; a short position's sign comes from its quantity. */
  optionGammaMin: 0,
  optionVegaMin: 0,
  /**
   * Underlying price: above 0 (IB sends 0 or -1 for "no price", treated as a missing price, not as implausible) and
   * below 10 million per unit, far above any listed instrument (the dearest share, BRK.A, trades under 1 million).
   */
  priceMaxExclusive: 1e7,
  /** Implied volatility as a fraction (0.25 = 25 %): above 0 and below 20 (2,000 %), beyond any quoted option. */
  impliedVolMaxExclusive: 20,
  /**
   * One position's contribution to any figure (share delta, dollar delta, dollar gamma, vega, theta): below 1e15 in
   * magnitude, more than any account holds, so that sums of contributions always stay finite numbers.
   */
  contributionAbsMax: 1e15,
});

const B = PLAUSIBILITY_BOUNDS;

/** Why an option's Greeks are implausible, or null. The four Greeks are finite numbers here. */
export function implausibleOptionGreeks(greeks: OptionGreeks): string | null {
  const delta = greeks.delta as number;
  if (Math.abs(delta) > B.optionDeltaAbsMax) return `delta ${delta} is outside [-1, 1]`;
  if ((greeks.gamma as number) < B.optionGammaMin) return `gamma ${greeks.gamma} is negative`;
  if ((greeks.vega as number) < B.optionVegaMin) return `vega ${greeks.vega} is negative`;
  const iv = greeks.impliedVol;
  if (iv !== null && Number.isFinite(iv) && !(iv > 0 && iv < B.impliedVolMaxExclusive)) {
    return `implied volatility ${iv} is outside (0, ${B.impliedVolMaxExclusive})`;
  }
  return null;
}

/** Why a usable (positive, finite) price is implausible, or null. */
export function implausiblePrice(what: string, price: number): string | null {
  return price < B.priceMaxExclusive ? null : `${what} ${price} is not below ${B.priceMaxExclusive}`;
}

/** Why one position's contributions are implausible (too large, or not finite), or null. */
export function implausibleContribution(contribution: Readonly<Record<string, number>>): string | null {
  for (const [name, value] of Object.entries(contribution)) {
    if (!(Math.abs(value) < B.contributionAbsMax)) {
      return `${name} contribution ${value} is not below ${B.contributionAbsMax} in magnitude`;
    }
  }
  return null;
}
