import type { OptionPricingInput } from '../../../src/greeks/pricing';

/**
 * Published values the pricing core must reproduce to 1e-4, each with its source. Haug (1998) is E. G. Haug, "The
 * Complete Guide to Option Pricing Formulas", McGraw-Hill, 1998; Haug (2007) its 2nd edition. The 1998 values are
 * the ones QuantLib's test suite transcribes (test-suite/europeanoption.cpp, testValues and testGreekValues, with
 * the page of the book); the Bjerksund–Stensland 2002 values are Haug's (2007) ch. 3 table for American calls on
 * futures (b = 0), as reproduced in public implementation notes, and are checked below against a CRR tree too.
 */
export interface ReferenceCase {
  name: string;
  input: OptionPricingInput;
  /** Which output the value is: price, or a Greek in the book's units (vega per 1.0 of σ, theta per year or day). */
  quantity: 'price' | 'delta' | 'gamma' | 'vegaPerUnitVol' | 'thetaPerYear' | 'thetaPerDay';
  expected: number;
  source: string;
}

function bsm(
  right: 'C' | 'P',
  spot: number,
  strike: number,
  years: number,
  rate: number,
  dividendYield: number,
  volatility: number,
): OptionPricingInput {
  return {
    right,
    style: 'european',
    model: 'bsm',
    underlyingPrice: spot,
    strike,
    years,
    rate,
    dividendYield,
    volatility,
  };
}

function black76(
  right: 'C' | 'P',
  future: number,
  strike: number,
  years: number,
  rate: number,
  volatility: number,
  style: 'european' | 'american' = 'european',
): OptionPricingInput {
  return { right, style, model: 'black76', underlyingPrice: future, strike, years, rate, volatility };
}

const HAUG_1998_QL = 'Haug (1998) p. 2-8, via QuantLib europeanoption.cpp testValues';
const HAUG_1998_P24 = 'Haug (1998) p. 24 (b = 0 table), via QuantLib europeanoption.cpp testValues';
const HAUG_1998_GREEKS = 'Haug (1998) pp. 11-16, via QuantLib europeanoption.cpp testGreekValues';
const HAUG_2007_BS2002 = 'Haug (2007) ch. 3, Bjerksund-Stensland 2002 column, calls on futures';

export const REFERENCE_CASES: ReferenceCase[] = [
  // Black-Scholes-Merton (Haug's worked examples; q is the continuous dividend yield, b = r - q).
  {
    name: 'BSM call S=60 K=65 T=0.25 r=0.08 q=0 σ=0.30',
    input: bsm('C', 60, 65, 0.25, 0.08, 0, 0.3),
    quantity: 'price',
    expected: 2.1334,
    source: HAUG_1998_QL,
  },
  {
    name: 'BSM put S=100 K=95 T=0.5 r=0.10 q=0.05 σ=0.20',
    input: bsm('P', 100, 95, 0.5, 0.1, 0.05, 0.2),
    quantity: 'price',
    expected: 2.4648,
    source: HAUG_1998_QL,
  },
  {
    name: 'BSM call (currency) S=1.56 K=1.60 T=0.5 r=0.06 q=0.08 σ=0.12',
    input: bsm('C', 1.56, 1.6, 0.5, 0.06, 0.08, 0.12),
    quantity: 'price',
    expected: 0.0291,
    source: HAUG_1998_QL,
  },
  {
    name: 'BSM put S=75 K=70 T=0.5 r=0.10 q=0.05 σ=0.35',
    input: bsm('P', 75, 70, 0.5, 0.1, 0.05, 0.35),
    quantity: 'price',
    expected: 4.087,
    source: HAUG_1998_QL,
  },
  {
    name: 'BSM call S=42 K=40 T=0.75 r=0.04 q=0.08 σ=0.35',
    input: bsm('C', 42, 40, 0.75, 0.04, 0.08, 0.35),
    quantity: 'price',
    expected: 5.0975,
    source: 'Haug (1998) p. 27, via QuantLib europeanoption.cpp testValues',
  },
  // Black-76 (options on futures).
  {
    name: 'Black-76 put F=19 K=19 T=0.75 r=0.10 σ=0.28',
    input: black76('P', 19, 19, 0.75, 0.1, 0.28),
    quantity: 'price',
    expected: 1.7011,
    source: HAUG_1998_QL,
  },
  {
    name: 'Black-76 call F=19 K=19 T=0.75 r=0.10 σ=0.28',
    input: black76('C', 19, 19, 0.75, 0.1, 0.28),
    quantity: 'price',
    expected: 1.7011,
    source: HAUG_1998_QL,
  },
  ...(
    [
      ['C', 90, 0.1, 0.15, 0.0205],
      ['C', 100, 0.1, 0.15, 1.8734],
      ['C', 110, 0.1, 0.15, 9.9413],
      ['C', 90, 0.1, 0.35, 0.9474],
      ['C', 110, 0.1, 0.35, 11.1381],
      ['C', 90, 0.5, 0.25, 2.7026],
      ['C', 100, 0.5, 0.25, 6.6997],
      ['C', 110, 0.5, 0.35, 15.3086],
      ['P', 90, 0.1, 0.15, 9.921],
      ['P', 110, 0.1, 0.15, 0.0408],
      ['P', 90, 0.5, 0.35, 14.4452],
      ['P', 100, 0.5, 0.35, 9.3679],
      ['P', 110, 0.5, 0.25, 3.2734],
    ] as const
  ).map(([right, future, years, volatility, expected]): ReferenceCase => ({
    name: `Black-76 ${right === 'C' ? 'call' : 'put'} F=${future} K=100 T=${years} r=0.10 σ=${volatility}`,
    input: black76(right, future, 100, years, 0.1, volatility),
    quantity: 'price',
    expected,
    source: HAUG_1998_P24,
  })),
  // Greeks in the book's units.
  {
    name: 'delta, Black-76 call F=105 K=100 T=0.5 r=0.10 σ=0.36',
    input: black76('C', 105, 100, 0.5, 0.1, 0.36),
    quantity: 'delta',
    expected: 0.5946,
    source: HAUG_1998_GREEKS,
  },
  {
    name: 'delta, Black-76 put F=105 K=100 T=0.5 r=0.10 σ=0.36',
    input: black76('P', 105, 100, 0.5, 0.1, 0.36),
    quantity: 'delta',
    expected: -0.3566,
    source: HAUG_1998_GREEKS,
  },
  {
    name: 'gamma, BSM put S=55 K=60 T=0.75 r=0.10 q=0 σ=0.30',
    input: bsm('P', 55, 60, 0.75, 0.1, 0, 0.3),
    quantity: 'gamma',
    expected: 0.0278,
    source: HAUG_1998_GREEKS,
  },
  {
    name: 'vega, BSM call S=55 K=60 T=0.75 r=0.10 q=0 σ=0.30',
    input: bsm('C', 55, 60, 0.75, 0.1, 0, 0.3),
    quantity: 'vegaPerUnitVol',
    expected: 18.9358,
    source: HAUG_1998_GREEKS,
  },
  {
    name: 'theta/year, BSM put S=430 K=405 T=1/12 r=0.07 q=0.05 σ=0.20',
    input: bsm('P', 430, 405, 1 / 12, 0.07, 0.05, 0.2),
    quantity: 'thetaPerYear',
    expected: -31.1924,
    source: HAUG_1998_GREEKS,
  },
  {
    name: 'theta/day, BSM put S=430 K=405 T=1/12 r=0.07 q=0.05 σ=0.20',
    input: bsm('P', 430, 405, 1 / 12, 0.07, 0.05, 0.2),
    quantity: 'thetaPerDay',
    expected: -0.0855,
    source: HAUG_1998_GREEKS,
  },
  // Bjerksund-Stensland 2002, American calls on futures.
  ...(
    [
      [90, 0.15, 0.8099],
      [100, 0.15, 4.0628],
      [110, 0.15, 10.7898],
      [90, 0.25, 2.718],
      [100, 0.25, 6.7661],
      [110, 0.25, 12.9814],
    ] as const
  ).map(([future, volatility, expected]): ReferenceCase => ({
    name: `BS2002 American call F=${future} K=100 T=0.5 r=0.10 σ=${volatility}`,
    input: black76('C', future, 100, 0.5, 0.1, volatility, 'american'),
    quantity: 'price',
    expected,
    source: HAUG_2007_BS2002,
  })),
];
