import type { OptionPricingInput } from '../../../src/greeks/pricing';

/**
 * Options the implied-volatility solver must round-trip: European and American, BSM (yield or pvDividend) and
 * Black-76, calls and puts, S/K from 0.5 to 2, one day to three years, σ from 5 % to 200 %; r = 4 %.
 */
export function impliedVolatilityGrid(): Array<[string, OptionPricingInput]> {
  const grid: Array<[string, OptionPricingInput]> = [];
  for (const [label, market] of [
    ['BSM european q=2%', { model: 'bsm', style: 'european', dividendYield: 0.02 }],
    ['BSM european pvDividend=1.5', { model: 'bsm', style: 'european', pvDividend: 1.5 }],
    ['Black-76 european', { model: 'black76', style: 'european' }],
    ['BSM american q=2%', { model: 'bsm', style: 'american', dividendYield: 0.02 }],
    ['Black-76 american', { model: 'black76', style: 'american' }],
  ] as const) {
    for (const right of ['C', 'P'] as const) {
      // Deep out of the money to deep in the money, from one day to three years.
      for (const moneyness of [0.5, 0.8, 0.97, 1, 1.05, 1.3, 2]) {
        for (const years of [1 / 365, 7 / 365, 0.25, 1, 3]) {
          for (const volatility of [0.05, 0.25, 0.8, 2]) {
            grid.push([
              `${label} ${right} S/K=${moneyness} T=${years.toFixed(4)} σ=${volatility}`,
              { right, ...market, underlyingPrice: 100 * moneyness, strike: 100, years, rate: 0.04, volatility },
            ]);
          }
        }
      }
    }
  }
  return grid;
}
