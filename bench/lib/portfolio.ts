import type { PortfolioFile } from '../../src/sim/model';

export const BENCH_ACCOUNT = 'DU1000001';
const MAX_UNDERLYINGS = 20;

/**
 * A simulator portfolio with `options` option positions spread over up to 20 underlyings (strikes,
 * expiries and rights vary), plus one stock position per underlying, all in BENCH_ACCOUNT.
 */
export function benchPortfolio(options: number): PortfolioFile {
  const contracts: PortfolioFile['contracts'] = [];
  const positions: PortfolioFile['positions'] = [];
  const underlyings = Math.min(MAX_UNDERLYINGS, Math.max(1, Math.ceil(options / 6)));
  for (let u = 0; u < underlyings; u++) {
    const conId = 100_000 + u;
    contracts.push({
      conId,
      symbol: `U${u}`,
      localSymbol: `U${u}`,
      secType: 'STK',
      startPrice: 50 + 10 * u,
      walkVolatility: 0.3,
      impliedVol: 0.3,
    });
    positions.push({ account: BENCH_ACCOUNT, conId, quantity: 100, avgCost: 50 });
  }
  for (let i = 0; i < options; i++) {
    const u = i % underlyings;
    const conId = 1_000_000 + i;
    const right = i % 2 === 0 ? 'C' : 'P';
    const strike = Math.round((50 + 10 * u) * (0.8 + 0.01 * (i % 40)));
    contracts.push({
      conId,
      symbol: `U${u}`,
      localSymbol: `U${u} ${i} ${right}${strike}`,
      secType: 'OPT',
      right,
      strike,
      expiry: `+${10 + (i % 12) * 15}d`,
      multiplier: 100,
      underConId: 100_000 + u,
    });
    positions.push({ account: BENCH_ACCOUNT, conId, quantity: i % 3 === 0 ? -2 : 3, avgCost: 100 });
  }
  return { accounts: [{ id: BENCH_ACCOUNT }], contracts, positions };
}

/** Market-data lines the portfolio needs: one per option and one per underlying. */
export function linesNeeded(options: number): number {
  return options + Math.min(MAX_UNDERLYINGS, Math.max(1, Math.ceil(options / 6)));
}
