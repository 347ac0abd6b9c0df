/**
 * Prints the figures docs/pricing.md quotes: the reference-value table, the worst finite-difference and
 * implied-volatility round-trip errors, the Bjerksund-Stensland error against a CRR tree, and the comparison with the
 * simulator's model values. Deterministic (fixed inputs, fixed simulator seed and clock); a few seconds.
 *   nice -n 19 npx tsx test/greeks/pricing/printAccuracy.ts
 */
import { impliedVolatility, optionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';
import { smoothedBinomialTreePrice } from '../../../src/greeks/pricing/binomialTree';
import { carryInputs } from '../../../src/greeks/pricing/optionModelValues';
import { americanGrid } from './americanGrid';
import { europeanGreeksGrid, finiteDifferenceGreeks } from './finiteDifferences';
import { impliedVolatilityGrid } from './impliedVolatilityGrid';
import { REFERENCE_CASES } from './referenceCases';
import { computedReferenceQuantity } from './referenceQuantity';
import { americanTreePrice, COMPARED_FIGURES, compareWithSimulator, simulatorFigure } from './simulatorComparison';

const GREEKS = ['delta', 'gamma', 'vega', 'theta'] as const;

function fixed(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function printReferenceTable(): void {
  console.log('## Reference values\n\n| case | expected | got | |got − expected| | source |\n|---|---|---|---|---|');
  for (const reference of REFERENCE_CASES) {
    const got = computedReferenceQuantity(reference);
    console.log(
      `| ${reference.name} | ${reference.expected} | ${fixed(got, 6)} | ${Math.abs(got - reference.expected).toExponential(1)} | ${reference.source} |`,
    );
  }
}

function printFiniteDifferences(): void {
  const worst: Record<string, number> = { delta: 0, gamma: 0, vega: 0, theta: 0 };
  for (const [, input] of europeanGreeksGrid()) {
    const analytic = optionModelValues(input);
    const numeric = finiteDifferenceGreeks(input);
    for (const greek of GREEKS) {
      const scaled = Math.abs(analytic[greek] - numeric[greek]) / Math.max(1, Math.abs(analytic[greek]));
      worst[greek] = Math.max(worst[greek], scaled);
    }
  }
  console.log(`\n## Closed-form Greeks vs central differences (${europeanGreeksGrid().length} European options)`);
  console.log(GREEKS.map((greek) => `${greek} ${worst[greek].toExponential(1)}`).join(', '));
}

function printPutCallParity(): void {
  let worst = 0;
  for (const underlyingPrice of [60, 100, 170]) {
    for (const years of [0.01, 0.4, 3]) {
      for (const volatility of [0.1, 0.5]) {
        const rate = 0.05;
        const base = { style: 'european', strike: 100, years, rate, volatility, underlyingPrice } as const;
        const forwards: Array<[Omit<OptionPricingInput, 'right'>, number]> = [
          [{ ...base, model: 'bsm', dividendYield: 0.02 }, underlyingPrice * Math.exp(-0.02 * years)],
          [{ ...base, model: 'bsm', pvDividend: 2.4 }, underlyingPrice - 2.4],
          [{ ...base, model: 'black76' }, underlyingPrice * Math.exp(-rate * years)],
        ];
        for (const [input, discountedForward] of forwards) {
          const call = optionModelValues({ ...input, right: 'C' }).price;
          const put = optionModelValues({ ...input, right: 'P' }).price;
          worst = Math.max(worst, Math.abs(call - put - (discountedForward - 100 * Math.exp(-rate * years))));
        }
      }
    }
  }
  console.log(
    `\n## Put-call parity: worst |C − P − (discounted forward − discounted strike)| ${worst.toExponential(1)}`,
  );
}

function printImpliedVolatility(): void {
  let solved = 0;
  let total = 0;
  let worstPrice = 0;
  let worstVol = 0;
  for (const [, input] of impliedVolatilityGrid()) {
    total++;
    const { price, vega } = optionModelValues(input);
    const { volatility: _volatility, ...option } = input;
    const result = impliedVolatility({ ...option, price });
    if (!result.ok) continue;
    solved++;
    const repriced = optionModelValues({ ...input, volatility: result.volatility }).price;
    worstPrice = Math.max(worstPrice, Math.abs(repriced - price) / Math.max(1, price));
    // The test's criterion: σ is identifiable when a 1e-6 change of it moves the price by more than its rounding.
    if (vega * 100 * 1e-6 > 1e-12 * Math.max(1, price))
      worstVol = Math.max(worstVol, Math.abs(result.volatility - input.volatility));
  }
  console.log(`\n## Implied volatility round trip: ${solved}/${total} solved`);
  console.log(`worst |Δprice|/max(1, price) ${worstPrice.toExponential(1)}, worst |Δσ| ${worstVol.toExponential(1)}`);
}

function treePrice(input: OptionPricingInput, steps: number): number {
  return smoothedBinomialTreePrice({ ...carryInputs(input), style: 'american', steps });
}

function printAmericanErrors(): void {
  console.log('\n## Bjerksund-Stensland 2002 − CRR tree (8000/8001 steps), K = 100, r = 5 %');
  console.log('| options | cases | worst BS2002 − tree | worst relative | mean |\n|---|---|---|---|---|');
  const groups = new Map<string, number[][]>();
  const rows: Array<[string, number, number, number]> = [];
  for (const [name, input] of americanGrid()) {
    const approximation = optionModelValues(input).price;
    const tree = treePrice(input, 8000);
    const group = `${name.split(' S/K')[0]}`;
    const list = groups.get(group) ?? [];
    list.push([approximation - tree, (approximation - tree) / Math.max(tree, 0.01)]);
    groups.set(group, list);
    rows.push([name, approximation, tree, approximation - tree]);
  }
  for (const [group, list] of groups) {
    const worst = list.reduce((a, b) => (Math.abs(b[0]) > Math.abs(a[0]) ? b : a));
    const worstRelative = list.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
    const mean = list.reduce((sum, [error]) => sum + error, 0) / list.length;
    console.log(
      `| ${group} | ${list.length} | ${fixed(worst[0])} | ${(100 * worstRelative[1]).toFixed(2)} % | ${fixed(mean)} |`,
    );
  }
  console.log('\nLargest errors:\n| option | BS2002 | tree | error |\n|---|---|---|---|');
  rows.sort((a, b) => Math.abs(b[3]) - Math.abs(a[3]));
  for (const [name, approximation, tree, error] of rows.slice(0, 8)) {
    console.log(`| ${name} | ${fixed(approximation)} | ${fixed(tree)} | ${fixed(error)} |`);
  }
}

function printSimulator(): void {
  const rows = compareWithSimulator();
  console.log(`\n## Simulator (European model) vs core European, ${rows.length} options`);
  console.log(
    COMPARED_FIGURES.map((figure) => {
      const worst = Math.max(
        ...rows.map(
          (row) =>
            Math.abs(simulatorFigure(row, figure) - row.european[figure]) / Math.max(1, Math.abs(row.european[figure])),
        ),
      );
      return `${figure} ${worst.toExponential(1)}`;
    }).join(', '),
  );
  console.log('\n## In-the-money American options: simulator (European) and core (BS2002) vs CRR tree');
  console.log(
    '| option | S | T (y) | σ | tree | simulator − tree | core − tree | delta sim | delta core | theta/day sim | theta/day core |\n|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of rows.filter((candidate) => candidate.inTheMoney)) {
    const tree = americanTreePrice(row);
    console.log(
      `| ${row.localSymbol.replace(/\s+/g, ' ')} | ${fixed(row.underlyingPrice, 2)} | ${fixed(row.years, 3)} | ${row.volatility} | ${fixed(tree)} | ${fixed(row.simulator.optionPrice - tree)} | ${fixed(row.american.price - tree)} | ${fixed(row.simulator.delta)} | ${fixed(row.american.delta)} | ${fixed(row.simulator.theta)} | ${fixed(row.american.theta)} |`,
    );
  }
}

printReferenceTable();
printFiniteDifferences();
printPutCallParity();
printImpliedVolatility();
printAmericanErrors();
printSimulator();
