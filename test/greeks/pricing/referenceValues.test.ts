import { smoothedBinomialTreePrice } from '../../../src/greeks/pricing/binomialTree';
import { carryInputs } from '../../../src/greeks/pricing/optionModelValues';
import { REFERENCE_CASES } from './referenceCases';
import { computedReferenceQuantity } from './referenceQuantity';

// Published values are rounded to 4 decimals: agreement to 1e-4 means |got − expected| ≤ 0.5e-4 plus rounding slack.
const TOLERANCE = 1e-4;

describe('published reference values (each case names its source)', () => {
  it.each(REFERENCE_CASES.map((reference) => [reference.name, reference] as const))('%s', (_name, reference) => {
    expect(Math.abs(computedReferenceQuantity(reference) - reference.expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('covers BSM, Black-76, the Greeks and the American approximation', () => {
    const kinds = new Set(REFERENCE_CASES.map(({ input, quantity }) => `${input.model}/${input.style}/${quantity}`));
    expect([...kinds].sort()).toEqual(
      [
        'black76/american/price',
        'black76/european/delta',
        'black76/european/price',
        'bsm/european/gamma',
        'bsm/european/price',
        'bsm/european/thetaPerDay',
        'bsm/european/thetaPerYear',
        'bsm/european/vegaPerUnitVol',
      ].sort(),
    );
  });

  // The transcribed Bjerksund-Stensland values are a lower bound of the American value: a converged tree must be at or
  // above each, and close (for these six, within 0.3 % of the price; the approximation's error elsewhere is larger,
  // see docs/pricing.md).
  it.each(
    REFERENCE_CASES.filter(({ input }) => input.style === 'american').map(
      (reference) => [reference.name, reference] as const,
    ),
  )('%s lies just under a 4000-step CRR tree', (_name, reference) => {
    const tree = smoothedBinomialTreePrice({ ...carryInputs(reference.input), style: 'american', steps: 4000 });
    expect(tree).toBeGreaterThanOrEqual(reference.expected - TOLERANCE);
    expect((tree - reference.expected) / tree).toBeLessThan(0.003);
  });
});
