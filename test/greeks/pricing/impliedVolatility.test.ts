import {
  impliedVolatility,
  optionModelValues,
  type ImpliedVolatilityInput,
  type OptionPricingInput,
} from '../../../src/greeks/pricing';
import { impliedVolatilityGrid } from './impliedVolatilityGrid';

const grid = impliedVolatilityGrid();

function withPrice(input: OptionPricingInput, price: number): ImpliedVolatilityInput {
  const { volatility: _volatility, ...option } = input;
  return { ...option, price };
}

describe('implied volatility', () => {
  it('round-trips price → volatility → price over the grid; recovers σ wherever the price depends on it', () => {
    let solved = 0;
    let recovered = 0;
    let identifiable = 0;
    const failures: string[] = [];
    for (const [name, input] of grid) {
      const { price } = optionModelValues(input);
      const result = impliedVolatility(withPrice(input, price));
      if (!result.ok) {
        // Only prices that carry no volatility information may fail: equal to their no-arbitrage floor in double
        // precision (deep in the money, or so far out that the value underflows), where every small σ fits.
        const lowVol = optionModelValues({ ...input, volatility: 1e-4 }).price;
        if (!(result.reason === 'below_lower_bound' || result.reason === 'out_of_range') || lowVol !== price) {
          if (Math.abs(lowVol - price) > 1e-12 * input.strike) failures.push(`${name}: ${result.message}`);
        }
        continue;
      }
      solved++;
      const repriced = optionModelValues({ ...input, volatility: result.volatility }).price;
      if (Math.abs(repriced - price) > 1e-10 * Math.max(1, price)) failures.push(`${name}: repriced ${repriced}`);
      // σ is identifiable to 1e-6 when a 1e-6 change of it moves the price by more than the rounding of the price.
      const vegaPerUnit = optionModelValues(input).vega * 100;
      if (vegaPerUnit * 1e-6 > 1e-12 * Math.max(1, price)) {
        identifiable++;
        if (Math.abs(result.volatility - input.volatility) <= 1e-6) recovered++;
        else failures.push(`${name}: σ ${result.volatility}`);
      }
    }
    expect(failures).toEqual([]);
    expect(solved).toBeGreaterThan(grid.length * 0.8);
    expect(recovered).toBe(identifiable);
  });

  const atm: ImpliedVolatilityInput = {
    right: 'C',
    style: 'european',
    model: 'bsm',
    underlyingPrice: 100,
    strike: 100,
    years: 0.5,
    rate: 0.05,
    price: 7,
  };

  it('solves a plain at-the-money call in a few Brent iterations', () => {
    const result = impliedVolatility(atm);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(optionModelValues({ ...atm, volatility: result.volatility }).price).toBeCloseTo(7, 10);
      expect(result.iterations).toBeLessThan(20);
    }
  });

  it.each([
    ['below the discounted intrinsic value', { underlyingPrice: 130, price: 31 }, 'below_lower_bound'],
    [
      'at the discounted intrinsic value',
      { underlyingPrice: 130, price: 130 - 100 * Math.exp(-0.025) },
      'below_lower_bound',
    ],
    ['a negative price', { price: -0.5 }, 'below_lower_bound'],
    ['a zero price', { price: 0 }, 'below_lower_bound'],
    ['above the underlying (call ceiling)', { price: 100.5 }, 'above_upper_bound'],
    ['an American put above its strike', { right: 'P', style: 'american', price: 100.01 }, 'above_upper_bound'],
    [
      'an American put below exercise value',
      { right: 'P', style: 'american', underlyingPrice: 80, price: 19.9 },
      'below_lower_bound',
    ],
    ['zero time to expiry', { years: 0 }, 'expired'],
    ['negative time', { years: -0.1 }, 'invalid_input'],
    ['a NaN price', { price: Number.NaN }, 'invalid_input'],
    ['a zero underlying price', { underlyingPrice: 0 }, 'invalid_input'],
    ['a volatility beyond 1 600 %', { price: 99.99999999 }, 'out_of_range'],
  ] as const)('fails with a typed result, never a throw: %s', (_name, change, reason) => {
    const result = impliedVolatility({ ...atm, ...change });
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.message).not.toContain('\n');
  });
});
