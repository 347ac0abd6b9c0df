import { optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';
import { binomialTreePrice, smoothedBinomialTreePrice } from '../../../src/greeks/pricing/binomialTree';
import { carryInputs } from '../../../src/greeks/pricing/optionModelValues';
import { americanGrid } from './americanGrid';

const grid = americanGrid();

function european(input: OptionPricingInput): OptionPricingInput {
  return { ...input, style: 'european' };
}

function treeOf(input: OptionPricingInput, steps: number): number {
  return smoothedBinomialTreePrice({ ...carryInputs(input), style: input.style, steps });
}

describe('American exercise', () => {
  it.each(grid)('%s: worth at least the European value and the immediate-exercise value', (_name, input) => {
    const american = optionModelValues(input).price;
    // Exercising now delivers (or takes) the share with its dividends to come: S − K, not (S − D) − K.
    const immediate = input.right === 'C' ? input.underlyingPrice - input.strike : input.strike - input.underlyingPrice;
    expect(american).toBeGreaterThanOrEqual(optionModelValues(european(input)).price - 1e-12);
    expect(american).toBeGreaterThanOrEqual(immediate);
  });

  // Bjerksund-Stensland 2002 is the value of a feasible exercise rule: a lower bound, measured against a CRR tree of
  // 2000 (and 2001) steps, itself within 2e-3 of a 8000-step tree on this grid. Stated error (docs/pricing.md):
  // under the tree by at most 0.5 % of the strike and 2.5 % of the value; never over it by more than the tree's error.
  it.each(grid)('%s: Bjerksund-Stensland within its stated error of the CRR tree', (_name, input) => {
    const approximation = optionModelValues(input).price;
    const tree = treeOf(input, 2000);
    expect(approximation - tree).toBeLessThanOrEqual(2e-3);
    expect(tree - approximation).toBeLessThanOrEqual(0.005 * input.strike);
    if (tree >= 0.5) expect((tree - approximation) / tree).toBeLessThanOrEqual(0.025);
  });

  it.each(
    grid.filter(
      ([, input]) => input.right === 'C' && input.model === 'bsm' && !input.dividendYield && !input.pvDividend,
    ),
  )('%s: a call on a stock without dividends equals the European call, Greeks included', (_name, input) => {
    const american = optionModelValues(input);
    const europeanValues = optionModelValues(european(input));
    expect(american.price).toBe(europeanValues.price);
    // The American Greeks are central differences of the (here European) value: equal to the closed form up to
    // the differences' own error.
    expect(american.delta).toBe(europeanValues.delta);
    expect(american.gamma).toBe(europeanValues.gamma);
    expect(american.vega).toBe(europeanValues.vega);
    expect(american.theta).toBe(europeanValues.theta);
    const treeInputs = { ...carryInputs(input), steps: 500 };
    expect(binomialTreePrice({ ...treeInputs, style: 'american' })).toBeCloseTo(
      binomialTreePrice({ ...treeInputs, style: 'european' }),
      12,
    );
  });

  it('an in-the-money call on a stock with discrete dividends is worth more American than European', () => {
    const input: OptionPricingInput = {
      right: 'C',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 100,
      strike: 80,
      years: 0.5,
      rate: 0.05,
      pvDividend: 3,
      volatility: 0.2,
    };
    const premium = optionModelValues(input).price - optionModelValues(european(input)).price;
    expect(premium).toBeGreaterThan(0.1);
    // The same dividends, priced by the tree on the same equivalent yield, agree within the stated error.
    expect(Math.abs(treeOf(input, 2000) - optionModelValues(input).price)).toBeLessThan(0.005 * input.strike);
  });

  it('a put at a non-positive rate is never exercised early: its values, dividends and theta included, are European', () => {
    const input: OptionPricingInput = {
      right: 'P',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 100,
      strike: 105,
      years: 0.5,
      rate: -0.005,
      pvDividend: 2,
      volatility: 0.3,
    };
    expect(optionModelValues(input)).toEqual(optionModelValues(european(input)));
  });

  it('the CRR tree converges to the closed form for European options (the check is checked)', () => {
    for (const [, input] of grid) {
      const closedForm = optionModelValues(european(input)).price;
      expect(Math.abs(treeOf(european(input), 1000) - closedForm)).toBeLessThan(5e-3);
    }
  });

  it('a deep in-the-money put past the exercise boundary is worth its intrinsic value, with the Greeks of K − S', () => {
    const values = optionModelValues({
      right: 'P',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 50,
      strike: 100,
      years: 0.5,
      rate: 0.05,
      volatility: 0.2,
    });
    expect(values.price).toBe(50);
    expect(values.delta).toBeCloseTo(-1, 10);
    expect(values.gamma).toBeCloseTo(0, 8);
    expect(values.vega).toBeCloseTo(0, 10);
    expect(values.theta).toBeCloseTo(0, 10);
  });

  it('gives finite, signed Greeks for in- and out-of-the-money puts and calls', () => {
    for (const [, input] of grid) {
      const values = optionModelValues(input);
      for (const figure of Object.values(values)) expect(Number.isFinite(figure)).toBe(true);
      if (input.right === 'P') expect(values.delta).toBeLessThanOrEqual(0);
      else expect(values.delta).toBeGreaterThanOrEqual(0);
      expect(Math.abs(values.delta)).toBeLessThanOrEqual(1 + 1e-6);
      expect(values.gamma).toBeGreaterThanOrEqual(-1e-6);
      expect(values.vega).toBeGreaterThanOrEqual(-1e-9);
    }
  });

  it('stays finite and within its bounds at extreme inputs: an hour to 5 years, σ 1 % to 300 %, negative rates', () => {
    const problems: string[] = [];
    for (const right of ['C', 'P'] as const) {
      for (const [model, dividends] of [
        ['bsm', { dividendYield: 0 }],
        ['bsm', { dividendYield: 0.08 }],
        ['bsm', { pvDividend: 4 }],
        ['black76', {}],
      ] as const) {
        for (const moneyness of [0.2, 1, 5]) {
          for (const years of [1 / 8760, 0.5, 5]) {
            for (const volatility of [0.01, 0.3, 3]) {
              for (const rate of [-0.01, 0.1]) {
                const input: OptionPricingInput = {
                  right,
                  style: 'american',
                  model,
                  ...dividends,
                  underlyingPrice: 100 * moneyness,
                  strike: 100,
                  years,
                  rate,
                  volatility,
                };
                const american = optionModelValues(input);
                const europeanPrice = optionModelValues(european(input)).price;
                const finite = Object.values(american).every(Number.isFinite);
                // |delta| ≤ 1, or e^(|r|T) for a futures option at a negative rate.
                const deltaBound = Math.exp(Math.abs(rate) * years) + 1e-4;
                if (!finite || american.price < europeanPrice - 1e-9 || Math.abs(american.delta) > deltaBound) {
                  problems.push(JSON.stringify({ input, american, europeanPrice }));
                }
              }
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('an American put’s delta is the tree’s to 1e-2, where early exercise matters', () => {
    const input: OptionPricingInput = {
      right: 'P',
      style: 'american',
      model: 'bsm',
      underlyingPrice: 95,
      strike: 100,
      years: 1,
      rate: 0.06,
      volatility: 0.25,
    };
    const step = 0.5;
    const treeDelta =
      (treeOf({ ...input, underlyingPrice: 95 + step }, 2000) -
        treeOf({ ...input, underlyingPrice: 95 - step }, 2000)) /
      (2 * step);
    expect(Math.abs(optionModelValues(input).delta - treeDelta)).toBeLessThan(1e-2);
  });
});
