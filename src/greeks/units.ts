import type { GreeksUnits } from './types';

/**
 * What every aggregated number means, stored next to each snapshot so nobody has to guess.
 * q = signed quantity, m = multiplier, S = underlying price, β = beta, S_B = benchmark price.
 * Dollar gamma uses the "cash gamma" convention (the change in dollar delta for a 1 % move); the P&L of the
 * gamma term for a 1 % move is half of one percent of it, i.e. dollarGamma × 0.005.
 */
export const GREEKS_UNITS: GreeksUnits = Object.freeze({
  delta:
    'share-equivalent units of the underlying: Σ Δ·q·m per option; stocks add q, futures add q·m, counted even ' +
    'without a price. The net figure adds share counts of different underlyings (as IB does): read exposure per ' +
    'underlying in by_underlying, or as dollarDelta / betaWeightedDelta',
  gamma:
    'change of share-equivalent delta per 1.0 move of the underlying price: Σ Γ·q·m. The net figure adds ' +
    'different underlyings, as for delta: read it per underlying, or as dollarGamma',
  vega: 'currency per 1 volatility point (0.01 of implied vol): Σ vega·q·m',
  theta: 'currency per calendar day: Σ Θ·q·m',
  dollarDelta:
    'currency of underlying exposure: Σ Δ·q·m·S (P&L of a 1 % move ≈ dollarDelta × 0.01); positions without a ' +
    'usable price are left out and listed in excluded with excludedFrom "money"',
  dollarGamma: 'currency change of dollar delta per 1 % move (cash gamma): Σ Γ·q·m·S²·0.01',
  betaWeightedDelta: 'benchmark share-equivalents: Σ Δ·q·m·β·S / S_B, β per underlying from configuration',
  // Each row replaces these two with the base currency it found and the exchange rates it used.
  currency: "the account's base currency; positions in other currencies converted at IBKR's exchange rates",
  pnl: "account P&L as IBKR reports it, in the account's base currency",
});
