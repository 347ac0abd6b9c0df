import type { BenchmarkQuote } from '../broker/types';
import { rateToBase, type MoneyCurrency } from './currency';
import { implausibleContribution, implausiblePrice } from './plausibility';
import type { UnderlyingBreakdown } from './types';

/**
 * Beta-weighted delta: Σ dollarDelta·β / S_B per underlying, in benchmark share-equivalents. The benchmark price
 * S_B comes from the benchmark's own market-data line and is converted into the base currency like every money
 * figure, so numerator and denominator are in the same currency. When the figure cannot be computed, the row says
 * why in `units.betaWeightedDeltaReason`.
 */

export interface BetaWeightingInput {
  /** BETA_BENCHMARK, e.g. "SPY"; null when beta weighting is not configured. */
  betaBenchmark: string | null;
  /** BETAS: beta of each underlying against the benchmark. */
  betas: Readonly<Record<string, number>> | undefined;
  /** A benchmark price already in the base currency; when given it wins over the quote. */
  benchmarkPrice?: number | null;
  /** The benchmark's streamed price (snapshot.benchmark). */
  quote: BenchmarkQuote | null | undefined;
  money: MoneyCurrency;
  now: number;
  maxAgeMs: number;
}

export interface UnderlyingExposure {
  breakdown: UnderlyingBreakdown;
  /** Whether any position of the underlying was counted in the totals. */
  hasContribution: boolean;
}

export interface BetaWeighting {
  total: number | null;
  /** The benchmark the figures are expressed in: the configured one, null when none is configured. */
  benchmark: string | null;
  /** Why `total` is null; null when it is a number. */
  reason: string | null;
}

export type BenchmarkPrice = { price: number } | { reason: string };

function isUsablePrice(price: number | null | undefined): price is number {
  return typeof price === 'number' && Number.isFinite(price) && price > 0;
}

/** The benchmark price in the base currency, or why there is none. */
export function benchmarkPriceInBase(input: BetaWeightingInput): BenchmarkPrice {
  const symbol = input.betaBenchmark ?? '';
  if (input.benchmarkPrice !== undefined && input.benchmarkPrice !== null) {
    return isUsablePrice(input.benchmarkPrice)
      ? { price: input.benchmarkPrice }
      : { reason: `no_benchmark_price: the price given for ${symbol} is not a positive number` };
  }
  const quote = input.quote;
  if (!quote || !isUsablePrice(quote.price)) {
    return { reason: `no_benchmark_price: no price for ${symbol} from its market-data line yet` };
  }
  const ageMs = input.now - quote.at;
  if (ageMs > input.maxAgeMs) {
    return { reason: `stale_benchmark_price: the price of ${symbol} is ${ageMs} ms old (limit ${input.maxAgeMs} ms)` };
  }
  const rate = rateToBase(quote.currency, input.money);
  if (rate === null) {
    return {
      reason: `no_exchange_rate: no IBKR exchange rate from ${quote.currency} (${symbol}) to the base currency`,
    };
  }
  const price = quote.price * rate;
  const implausible = implausiblePrice(`the price of ${symbol}`, price);
  return implausible === null ? { price } : { reason: `implausible_benchmark_price: ${implausible}` };
}

/** Beta of one underlying: configured, else 1 for the benchmark itself, else unknown. */
export function betaOf(underlying: string, input: Pick<BetaWeightingInput, 'betas' | 'betaBenchmark'>): number | null {
  const configured = input.betas?.[underlying];
  if (typeof configured === 'number' && Number.isFinite(configured)) return configured;
  return input.betaBenchmark && underlying === input.betaBenchmark ? 1 : null;
}

/**
 * Sets each underlying's betaWeightedDelta (null without a beta or a benchmark price) and returns the account's.
 * An underlying that contributes but has no beta makes the total null: it would otherwise count as beta 0.
 */
export function betaWeight(exposures: readonly UnderlyingExposure[], input: BetaWeightingInput): BetaWeighting {
  if (!input.betaBenchmark) {
    return { total: null, benchmark: null, reason: 'not_configured: BETA_BENCHMARK is not set' };
  }
  const benchmark = input.betaBenchmark;
  const priced = benchmarkPriceInBase(input);
  if (!('price' in priced)) return { total: null, benchmark, reason: priced.reason };
  let total = 0;
  const withoutBeta: string[] = [];
  for (const { breakdown, hasContribution } of exposures) {
    const beta = betaOf(breakdown.underlying, input);
    if (beta === null) {
      if (hasContribution) withoutBeta.push(breakdown.underlying);
      continue;
    }
    breakdown.betaWeightedDelta = (breakdown.dollarDelta * beta) / priced.price;
    total += breakdown.betaWeightedDelta;
  }
  // A tiny (garbled) benchmark price would make the quotient overflow and the row unstorable.
  const overflow = implausibleContribution({ betaWeightedDelta: total });
  if (overflow !== null) {
    for (const { breakdown } of exposures) breakdown.betaWeightedDelta = null;
    return {
      total: null,
      benchmark,
      reason: `implausible_benchmark_price: ${overflow} at a ${benchmark} price of ${priced.price}`,
    };
  }
  if (withoutBeta.length > 0) {
    const names = withoutBeta.sort().join(', ');
    return { total: null, benchmark, reason: `no_beta: no beta configured in BETAS for ${names}` };
  }
  return { total, benchmark, reason: null };
}
