import { optionModelValues, type OptionModelValues, type OptionPricingInput } from '../../../src/greeks/pricing';
import { smoothedBinomialTreePrice } from '../../../src/greeks/pricing/binomialTree';
import { carryInputs } from '../../../src/greeks/pricing/optionModelValues';
// The simulator's model is imported here, in test code only: the pricing core must stay independent of it.
import { createMarketModel, expiryInstant, isOption, type ModelGreeks } from '../../../src/sim/model';
import { MS_PER_YEAR } from '../../../src/sim/model/time';

/** One simulated option: the simulator's IB-style model figures beside the pricing core's. */
export interface SimulatorComparisonRow {
  localSymbol: string;
  secType: string;
  right: 'C' | 'P';
  underlyingPrice: number;
  strike: number;
  years: number;
  volatility: number;
  inTheMoney: boolean;
  simulator: ModelGreeks;
  /** The core with the simulator's own assumptions: European exercise (Black-Scholes or Black-76). */
  european: OptionModelValues;
  /** The core as the bridge would use it for US equity and CME futures options: American exercise. */
  american: OptionModelValues;
  /** The input the core priced, European style. */
  input: OptionPricingInput;
}

/** A fixed instant and seed, so every run compares the same prices. */
const NOW = Date.UTC(2026, 0, 5, 15, 0, 0);
const SEED = 20260105;

export function compareWithSimulator(): SimulatorComparisonRow[] {
  const model = createMarketModel({ seed: SEED, clock: () => NOW });
  const at = model.bucketStart(NOW);
  const rows: SimulatorComparisonRow[] = [];
  for (const contract of model.contracts()) {
    if (!isOption(contract)) continue;
    const simulator = model.optionGreeks(contract.conId, NOW);
    const years = (expiryInstant(contract.expiry) - at) / MS_PER_YEAR;
    const input: OptionPricingInput = {
      right: contract.right,
      style: 'european',
      model: contract.secType === 'FOP' ? 'black76' : 'bsm',
      underlyingPrice: simulator.underlyingPrice,
      strike: contract.strike,
      years,
      rate: model.rate,
      volatility: simulator.impliedVol,
    };
    const sign = contract.right === 'C' ? 1 : -1;
    rows.push({
      localSymbol: contract.localSymbol,
      secType: contract.secType,
      right: contract.right,
      underlyingPrice: simulator.underlyingPrice,
      strike: contract.strike,
      years,
      volatility: simulator.impliedVol,
      inTheMoney: sign * (simulator.underlyingPrice - contract.strike) > 0,
      simulator,
      european: optionModelValues(input),
      american: optionModelValues({ ...input, style: 'american' }),
      input,
    });
  }
  return rows;
}

export const COMPARED_FIGURES = ['price', 'delta', 'gamma', 'vega', 'theta'] as const;

export function simulatorFigure(row: SimulatorComparisonRow, figure: (typeof COMPARED_FIGURES)[number]): number {
  return figure === 'price' ? row.simulator.optionPrice : row.simulator[figure];
}

/** The American value by a 4000-step CRR tree (smoothed over 4000 and 4001 steps): the reference for the errors. */
export function americanTreePrice(row: SimulatorComparisonRow): number {
  return smoothedBinomialTreePrice({ ...carryInputs(row.input), style: 'american', steps: 4000 });
}
