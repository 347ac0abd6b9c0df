import type { BrokerSnapshot, MarketDataType, OptionGreeks, Position, PriceQuote } from '../broker/types';
import type {
  AggregatedGreeks,
  ExcludedPosition,
  ExclusionReason,
  FallbackPosition,
  GreeksTotals,
  UnderlyingBreakdown,
} from './types';
import { GREEKS_SOURCES, countSource, type GreeksSource, type SourceCounts } from './sources';
import { localModelGreeks, type LocalModelSettings } from './localModel';
import { countingMultiplier, isDeltaOneSecType, isOptionSecType, underlyingKey } from './instruments';
import { implausibleContribution, implausibleOptionGreeks, implausiblePrice } from './plausibility';
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
  /** The sources whose Greeks may count (GREEKS_SOURCES); every source when absent. */
  allowedSources?: readonly GreeksSource[];
  /** The local model's settings; without them (or with local_model not allowed) it prices nothing. */
  localModel?: LocalModelSettings;
}

const CASH_GAMMA_MOVE = 0.01;

function isOptionPosition(position: Position): boolean {
  return isOptionSecType(position.secType);
}

function isUsablePrice(price: number | null | undefined): price is number {
  return typeof price === 'number' && Number.isFinite(price) && price > 0;
}

/** The quote when it has a usable price no older than `maxAgeMs`. */
function freshQuote(quote: PriceQuote | undefined, now: number, maxAgeMs: number): PriceQuote | null {
  return quote && isUsablePrice(quote.price) && now - quote.at <= maxAgeMs ? quote : null;
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

/** One position's share of every figure; the money figures are 0 when it has no price. */
type Contribution = {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  dollarDelta: number;
  dollarGamma: number;
};

/** Money figures in the account's base currency (`rateToBase`); delta and gamma are counts of the underlying. */
function contributionOf(
  delta: number,
  gamma: number,
  vega: number,
  theta: number,
  price: number | null,
  rateToBase: number,
): Contribution {
  const dollarDelta = price === null ? 0 : delta * price * rateToBase;
  const dollarGamma = price === null ? 0 : gamma * price * price * CASH_GAMMA_MOVE * rateToBase;
  return { delta, gamma, vega: vega * rateToBase, theta: theta * rateToBase, dollarDelta, dollarGamma };
}

function addContribution(
  group: GroupState,
  totals: GreeksTotals,
  c: Contribution,
  price: number | null,
  priceAt: number,
): void {
  const { delta, gamma, vega, theta, dollarDelta, dollarGamma } = c;
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
  if (price !== null && priceAt >= group.priceAt) {
    group.priceAt = priceAt;
    b.underlyingPrice = price;
  }
}

function excludedEntry(
  position: Position,
  reason: ExclusionReason,
  extra: { ageMs?: number; detail?: string; excludedFrom?: ExcludedPosition['excludedFrom'] } = {},
): ExcludedPosition {
  const entry: ExcludedPosition = {
    conId: position.conId,
    localSymbol: position.localSymbol,
    underlying: position.underlying,
    quantity: position.quantity,
    reason,
    excludedFrom: extra.excludedFrom ?? 'all',
  };
  if (extra.ageMs !== undefined) entry.ageMs = extra.ageMs;
  if (extra.detail !== undefined) entry.detail = extra.detail;
  return entry;
}

/**
 * The underlying prices IB's model used in the fresh computations of the snapshot's options, newest per underlying:
 * a live price for an option on the same underlying whose own computation is not usable (the local model's input),
 * when the underlying has no price line of its own.
 */
function underlyingPricesFromOptions(snapshot: BrokerSnapshot, now: number, maxAgeMs: number): Map<string, PriceQuote> {
  const prices = new Map<string, PriceQuote>();
  for (const position of snapshot.positions) {
    if (!isOptionPosition(position)) continue;
    const greeks = snapshot.greeks[position.conId];
    if (!greeks || classifyGreeks(greeks, now, maxAgeMs) !== null || !isUsablePrice(greeks.underlyingPrice)) continue;
    const key = underlyingKey(position);
    const known = prices.get(key);
    if (known && known.at >= greeks.computedAt) continue;
    prices.set(key, {
      conId: position.underlyingConId ?? 0,
      price: greeks.underlyingPrice,
      at: greeks.computedAt,
      marketDataType: greeks.marketDataType,
    });
  }
  return prices;
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
  const allowedSources = options.allowedSources ?? GREEKS_SOURCES;
  const modelSettings = allowedSources.includes('local_model') ? options.localModel : undefined;
  const siblingPrices = modelSettings
    ? underlyingPricesFromOptions(snapshot, now, maxAgeMs)
    : new Map<string, PriceQuote>();
  const freshUnderlying = (position: Position): PriceQuote | null => {
    const quote =
      position.underlyingConId === undefined ? undefined : snapshot.underlyingPrices[position.underlyingConId];
    return freshQuote(quote, now, maxAgeMs) ?? siblingPrices.get(underlyingKey(position)) ?? null;
  };
  const sources: SourceCounts = {};
  const fallbackPositions: FallbackPosition[] = [];
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

    const multiplier = countingMultiplier(position.secType, position.multiplier);
    if (multiplier === null) {
      excluded.push(excludedEntry(position, 'unknown_multiplier'));
      continue;
    }
    let greeks = snapshot.greeks[position.conId];
    let reason = classifyGreeks(greeks, now, maxAgeMs);
    if (reason !== null && modelSettings) {
      // IB's own values are not usable now: its last implied volatility on the live underlying price may be.
      const modelled = localModelGreeks(position, greeks, freshUnderlying(position), now, modelSettings);
      if (modelled) {
        greeks = modelled;
        reason = null;
      }
    }
    if (reason !== null || !greeks) {
      const ageMs = greeks && greeks.computedAt > 0 ? now - greeks.computedAt : undefined;
      excluded.push(excludedEntry(position, reason ?? 'missing', { ageMs }));
      continue;
    }
    const source = greeks.source ?? 'ib_model';
    if (!allowedSources.includes(source)) {
      excluded.push(excludedEntry(position, 'source_not_allowed', { ageMs: now - greeks.computedAt }));
      continue;
    }
    const badGreeks = implausibleOptionGreeks(greeks);
    if (badGreeks !== null) {
      excluded.push(excludedEntry(position, 'implausible', { detail: badGreeks }));
      continue;
    }
    let price: number | null = null;
    let priceAt = greeks.computedAt;
    if (isUsablePrice(greeks.underlyingPrice)) {
      price = greeks.underlyingPrice;
    } else if (position.underlyingConId !== undefined) {
      const quote = freshQuote(snapshot.underlyingPrices[position.underlyingConId], now, maxAgeMs);
      if (quote) {
        price = quote.price;
        priceAt = quote.at;
      }
    }
    if (price === null) {
      excluded.push(excludedEntry(position, 'no_underlying_price', { ageMs: now - greeks.computedAt }));
      continue;
    }
    const rate = rateToBase(position.currency, money);
    if (rate === null) {
      excluded.push(excludedEntry(position, 'no_exchange_rate'));
      continue;
    }
    const scale = position.quantity * multiplier;
    // classifyGreeks has checked all four are finite numbers.
    const { delta, gamma, vega, theta } = greeks as { delta: number; gamma: number; vega: number; theta: number };
    const contribution = contributionOf(delta * scale, gamma * scale, vega * scale, theta * scale, price, rate);
    const badInput = implausiblePrice('underlying price', price) ?? implausibleContribution(contribution);
    if (badInput !== null) {
      excluded.push(excludedEntry(position, 'implausible', { detail: badInput }));
      continue;
    }
    convertedCurrencies.add(position.currency);
    addContribution(group, totals, contribution, price, priceAt);
    coveredOptionCount++;
    group.breakdown.coveredOptionCount++;
    // The oldest input: for the local model, the implied volatility it started from.
    const ageMs = now - Math.min(greeks.computedAt, greeks.ivAt ?? greeks.computedAt);
    countSource(sources, source, ageMs);
    if (source !== 'ib_model') {
      fallbackPositions.push({ conId: position.conId, localSymbol: position.localSymbol, source, ageMs });
    }
    marketDataType =
      marketDataType === null || marketDataType === greeks.marketDataType ? greeks.marketDataType : 'mixed';
  }

  // A stock's or future's share delta is quantity × multiplier whatever its price: it always counts (unless its
  // multiplier is unknown or absurd), and only the money figures need a fresh, plausible price.
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i];
    if (isOptionPosition(position) || !Number.isFinite(position.quantity) || position.quantity === 0) continue;
    positionCount++;
    const group = groupOf(position.underlying);
    group.breakdown.positionCount++;
    if (!isDeltaOneSecType(position.secType)) continue;

    const multiplier = countingMultiplier(position.secType, position.multiplier);
    if (multiplier === null) {
      excluded.push(excludedEntry(position, 'unknown_multiplier'));
      continue;
    }
    const quote = snapshot.underlyingPrices[position.underlyingConId ?? position.conId];
    let price: number | null = null;
    let priceAt = -Infinity;
    const fresh = freshQuote(quote, now, maxAgeMs);
    if (fresh) {
      price = fresh.price;
      priceAt = fresh.at;
    } else if (group.breakdown.underlyingPrice !== null) {
      price = group.breakdown.underlyingPrice;
      priceAt = group.priceAt;
    }
    const shares = position.quantity * multiplier;
    const badShares = implausibleContribution({ delta: shares });
    if (badShares !== null) {
      excluded.push(excludedEntry(position, 'implausible', { detail: badShares }));
      continue;
    }
    // A share count needs no price and no exchange rate; only the money figures do.
    const rate = rateToBase(position.currency, money);
    let moneyExclusion: ExcludedPosition | null = null;
    if (price === null) {
      const ageMs = quote ? now - quote.at : undefined;
      moneyExclusion = excludedEntry(position, 'no_underlying_price', { ageMs, excludedFrom: 'money' });
    } else if (rate === null) {
      moneyExclusion = excludedEntry(position, 'no_exchange_rate', { excludedFrom: 'money' });
      price = null;
    } else {
      const badPrice =
        implausiblePrice('price', price) ?? implausibleContribution(contributionOf(shares, 0, 0, 0, price, rate));
      if (badPrice !== null) {
        moneyExclusion = excludedEntry(position, 'implausible', { detail: badPrice, excludedFrom: 'money' });
        price = null;
      }
    }
    if (moneyExclusion) excluded.push(moneyExclusion);
    else convertedCurrencies.add(position.currency);
    addContribution(group, totals, contributionOf(shares, 0, 0, 0, price, rate ?? 1), price, priceAt);
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
    sources,
    fallbackPositions,
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
