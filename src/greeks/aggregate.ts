import type { BrokerSnapshot, MarketDataType, OptionGreeks, Position } from '../broker/types';
import type { AggregatedGreeks, ExcludedPosition, ExclusionReason, GreeksTotals, UnderlyingBreakdown } from './types';
import { effectiveMultiplier, isDeltaOneSecType, isOptionSecType } from './instruments';
import { GREEKS_UNITS } from './units';
import { betaWeight } from './benchmark';
import { currencyUnitsText, moneyCurrencyOf, pnlUnitsText, rateToBase } from './currency';

export interface AggregateOptions {
  /** Epoch ms used to judge the age of each Greek and price. */
  now: number;
  /** Greeks or prices older than this are stale: excluded and listed, never counted. */
  maxAgeMs: number;
  /** Beta of each underlying symbol against the benchmark. */
  betas?: Record<string, number>;
  /** Benchmark symbol, e.g. "SPY"; the benchmark itself has beta 1 unless configured otherwise. */
  betaBenchmark?: string | null;
  /** Benchmark price in the base currency; when absent, the snapshot's streamed benchmark price is used. */
  benchmarkPrice?: number | null;
}

const CASH_GAMMA_MOVE = 0.01;

function isOptionPosition(position: Position): boolean {
  return isOptionSecType(position.secType);
}

function isUsablePrice(price: number | null | undefined): price is number {
  return typeof price === 'number' && Number.isFinite(price) && price > 0;
}

function isUsableGreek(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

function classifyGreeks(greeks: OptionGreeks | undefined, now: number, maxAgeMs: number): ExclusionReason | null {
  if (!greeks) return 'missing';
  if (
    !isUsableGreek(greeks.delta) ||
    !isUsableGreek(greeks.gamma) ||
    !isUsableGreek(greeks.vega) ||
    !isUsableGreek(greeks.theta)
  ) {
    return 'not_computed';
  }
  if (greeks.stale || now - greeks.computedAt > maxAgeMs) return 'stale';
  return null;
}

function emptyTotals(): GreeksTotals {
  return { delta: 0, gamma: 0, vega: 0, theta: 0, dollarDelta: 0, dollarGamma: 0 };
}

function newBreakdown(underlying: string): UnderlyingBreakdown {
  return {
    underlying,
    ...emptyTotals(),
    underlyingPrice: null,
    positionCount: 0,
    optionCount: 0,
    coveredOptionCount: 0,
    betaWeightedDelta: null,
  };
}

/** Internal bookkeeping that must not leak into the JSON result. */
interface GroupState {
  breakdown: UnderlyingBreakdown;
  /** When the price shown in breakdown.underlyingPrice was observed; the latest wins. */
  priceAt: number;
  hasContribution: boolean;
}

function addContribution(
  group: GroupState,
  totals: GreeksTotals,
  delta: number,
  gamma: number,
  vega: number,
  theta: number,
  price: number,
  priceAt: number,
  rateToBase: number,
): void {
  // Money figures in the account's base currency; delta and gamma are counts of the underlying.
  const dollarDelta = delta * price * rateToBase;
  const dollarGamma = gamma * price * price * CASH_GAMMA_MOVE * rateToBase;
  vega *= rateToBase;
  theta *= rateToBase;
  const b = group.breakdown;
  b.delta += delta;
  b.gamma += gamma;
  b.vega += vega;
  b.theta += theta;
  b.dollarDelta += dollarDelta;
  b.dollarGamma += dollarGamma;
  totals.delta += delta;
  totals.gamma += gamma;
  totals.vega += vega;
  totals.theta += theta;
  totals.dollarDelta += dollarDelta;
  totals.dollarGamma += dollarGamma;
  group.hasContribution = true;
  if (priceAt >= group.priceAt) {
    group.priceAt = priceAt;
    b.underlyingPrice = price;
  }
}

function excludedEntry(position: Position, reason: ExclusionReason, ageMs?: number): ExcludedPosition {
  const entry: ExcludedPosition = {
    conId: position.conId,
    localSymbol: position.localSymbol,
    underlying: position.underlying,
    quantity: position.quantity,
    reason,
  };
  if (ageMs !== undefined) entry.ageMs = ageMs;
  return entry;
}

/**
 * Net Greeks of one account's snapshot. Pure: the same snapshot and options always give the same result.
 * Options without fresh, computed Greeks (and positions without a usable price) are excluded from every total
 * and listed in `excluded` with the reason, so a gap is never mistaken for a zero.
 */
export function aggregateGreeks(snapshot: BrokerSnapshot, options: AggregateOptions): AggregatedGreeks {
  const { now, maxAgeMs } = options;
  const totals = emptyTotals();
  const groups = new Map<string, GroupState>();
  const excluded: ExcludedPosition[] = [];
  let positionCount = 0;
  let optionCount = 0;
  let coveredOptionCount = 0;
  let marketDataType: MarketDataType | 'mixed' | null = null;
  const money = moneyCurrencyOf(snapshot.exchangeRates);
  const convertedCurrencies = new Set<string>();

  const groupOf = (underlying: string): GroupState => {
    let group = groups.get(underlying);
    if (!group) {
      group = { breakdown: newBreakdown(underlying), priceAt: -Infinity, hasContribution: false };
      groups.set(underlying, group);
    }
    return group;
  };

  const positions = snapshot.positions;
  // Options first, so a stock without its own price quote can use the underlying price of its options.
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i];
    if (!isOptionPosition(position) || !Number.isFinite(position.quantity) || position.quantity === 0) continue;
    const group = groupOf(position.underlying);
    positionCount++;
    optionCount++;
    group.breakdown.positionCount++;
    group.breakdown.optionCount++;

    const greeks = snapshot.greeks[position.conId];
    const reason = classifyGreeks(greeks, now, maxAgeMs);
    if (reason !== null || !greeks) {
      const ageMs = greeks && greeks.computedAt > 0 ? now - greeks.computedAt : undefined;
      excluded.push(excludedEntry(position, reason ?? 'missing', ageMs));
      continue;
    }
    let price: number | null = null;
    let priceAt = greeks.computedAt;
    if (isUsablePrice(greeks.underlyingPrice)) {
      price = greeks.underlyingPrice;
    } else if (position.underlyingConId !== undefined) {
      const quote = snapshot.underlyingPrices[position.underlyingConId];
      if (quote && isUsablePrice(quote.price) && now - quote.at <= maxAgeMs) {
        price = quote.price;
        priceAt = quote.at;
      }
    }
    if (price === null) {
      excluded.push(excludedEntry(position, 'no_underlying_price', now - greeks.computedAt));
      continue;
    }
    const rate = rateToBase(position.currency, money);
    if (rate === null) {
      excluded.push(excludedEntry(position, 'no_exchange_rate'));
      continue;
    }
    convertedCurrencies.add(position.currency);
    const scale = position.quantity * effectiveMultiplier(position.multiplier);
    // classifyGreeks has checked all four are finite numbers.
    const { delta, gamma, vega, theta } = greeks as { delta: number; gamma: number; vega: number; theta: number };
    addContribution(group, totals, delta * scale, gamma * scale, vega * scale, theta * scale, price, priceAt, rate);
    coveredOptionCount++;
    group.breakdown.coveredOptionCount++;
    marketDataType =
      marketDataType === null || marketDataType === greeks.marketDataType ? greeks.marketDataType : 'mixed';
  }

  for (let i = 0; i < positions.length; i++) {
    const position = positions[i];
    if (isOptionPosition(position) || !Number.isFinite(position.quantity) || position.quantity === 0) continue;
    positionCount++;
    const group = groupOf(position.underlying);
    group.breakdown.positionCount++;
    if (!isDeltaOneSecType(position.secType)) continue;

    const quote = snapshot.underlyingPrices[position.underlyingConId ?? position.conId];
    let price: number | null = null;
    let priceAt = -Infinity;
    if (quote && isUsablePrice(quote.price) && now - quote.at <= maxAgeMs) {
      price = quote.price;
      priceAt = quote.at;
    } else if (group.breakdown.underlyingPrice !== null) {
      price = group.breakdown.underlyingPrice;
      priceAt = group.priceAt;
    }
    if (price === null) {
      excluded.push(excludedEntry(position, 'no_underlying_price', quote ? now - quote.at : undefined));
      continue;
    }
    const rate = rateToBase(position.currency, money);
    if (rate === null) {
      excluded.push(excludedEntry(position, 'no_exchange_rate'));
      continue;
    }
    convertedCurrencies.add(position.currency);
    addContribution(
      group,
      totals,
      position.quantity * effectiveMultiplier(position.multiplier),
      0,
      0,
      0,
      price,
      priceAt,
      rate,
    );
  }

  const byUnderlying = [...groups.values()].map((group) => group.breakdown);
  const weighting = betaWeight([...groups.values()], {
    betaBenchmark: options.betaBenchmark ?? null,
    betas: options.betas,
    benchmarkPrice: options.benchmarkPrice,
    quote: snapshot.benchmark,
    money,
    now,
    maxAgeMs,
  });
  byUnderlying.sort((a, b) => (a.underlying < b.underlying ? -1 : a.underlying > b.underlying ? 1 : 0));

  const pnl = snapshot.pnl
    ? { daily: snapshot.pnl.daily, unrealized: snapshot.pnl.unrealized, realized: snapshot.pnl.realized }
    : null;

  return {
    account: snapshot.account,
    mode: snapshot.mode,
    takenAt: snapshot.takenAt,
    marketDataType,
    totals,
    betaWeightedDelta: weighting.total,
    betaBenchmark: weighting.benchmark,
    pnl,
    positionCount,
    optionCount,
    coveredOptionCount,
    coverage: optionCount === 0 ? 1 : coveredOptionCount / optionCount,
    excluded,
    byUnderlying,
    units: {
      ...GREEKS_UNITS,
      currency: currencyUnitsText(money, convertedCurrencies),
      pnl: pnlUnitsText(money),
      ...(weighting.reason !== null ? { betaWeightedDeltaReason: weighting.reason } : {}),
    },
  };
}
