import { valueOption } from './blackScholes';
import { defaultPortfolio } from './defaultPortfolio';
import { deliveryFor, GreeksDeliveryKind } from './greeksDelivery';
import {
  Account,
  Contract,
  Entitlement,
  GreeksBehaviour,
  greeksBehaviourSchema,
  isOption,
  OptionContract,
  Portfolio,
  PositionRow,
  UnderlyingContract,
} from './portfolioSchema';
import { bucketOf, walkPrice, WalkParams } from './randomWalk';
import { expiryInstant, MS_PER_YEAR, startOfUtcDay } from './time';

export interface MarketModelOptions {
  seed: number;
  /** Defaults to defaultPortfolio(clock()). The model keeps its own copy of the positions. */
  portfolio?: Portfolio;
  clock?: () => number;
  /** Continuously compounded risk-free rate; default 0.04. */
  rate?: number;
  /** Width of a price bucket; prices and Greeks are constant inside one. Default 1000 ms. */
  bucketMs?: number;
  /** Std of the walk's log-price at segment boundaries; default 0.05. */
  anchorStd?: number;
}

/** Per-share values, IBKR conventions (vega per vol point, theta per calendar day). */
export interface ModelGreeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  impliedVol: number;
  optionPrice: number;
  underlyingPrice: number;
}

export type GreeksDelivery =
  { kind: 'computed'; greeks: ModelGreeks } | Exclude<GreeksDeliveryKind, { kind: 'computed' }>;

export interface PositionValuation {
  marketPrice: number;
  marketValue: number;
  unrealizedPnl: number;
  dailyPnl: number;
  realizedPnl: number;
}

export interface AccountValuation {
  netLiquidation: number;
  cash: number;
  grossPositionValue: number;
  unrealizedPnl: number;
  realizedPnl: number;
  dailyPnl: number;
}

export type PositionListener = (position: PositionRow) => void;

export interface MarketModel {
  readonly seed: number;
  readonly rate: number;
  readonly bucketMs: number;
  now(): number;
  accounts(): Account[];
  contracts(): Contract[];
  contract(conId: number): Contract | undefined;
  /** Start of the price bucket containing t: the instant all prices and Greeks for t are computed at. */
  bucketStart(t: number): number;
  /** Price of a STK/FUT contract at t (not rounded to a tick: every bucket moves). */
  underlyingPrice(underConId: number, t?: number): number;
  /** Black–Scholes/Black-76 values for an option at t (always computed, whatever its Greeks behaviour). */
  optionGreeks(conId: number, t?: number): ModelGreeks;
  /** Per-unit mark: the option price for options, the underlying price otherwise. */
  markPrice(conId: number, t?: number): number;
  /** What a subscriber that started at subscribedAt should receive at t, given the contract's Greeks behaviour. */
  greeksDelivery(conId: number, t: number, subscribedAt: number): GreeksDelivery;
  setGreeksBehaviour(conId: number, behaviour: GreeksBehaviour): void;
  /** Changes a contract's market-data entitlement (applies to new subscriptions). */
  setEntitlement(conId: number, entitlement: Entitlement): void;
  positions(account?: string): PositionRow[];
  position(account: string, conId: number): PositionRow | undefined;
  /** Adds or changes a position (quantity 0 keeps the row, as IBKR does for positions closed today). */
  setPosition(account: string, conId: number, quantity: number, avgCost?: number): PositionRow;
  onPositionChange(listener: PositionListener): () => void;
  positionValuation(position: PositionRow, t?: number): PositionValuation;
  accountValuation(account: string, t?: number): AccountValuation;
}

/** Minimum time to expiry used in the formulas (one hour), so expiring options stay finite. */
const MIN_YEARS = 1 / (365 * 24);

export function createMarketModel(options: MarketModelOptions): MarketModel {
  const clock = options.clock ?? Date.now;
  const rate = options.rate ?? 0.04;
  const bucketMs = options.bucketMs ?? 1000;
  const anchorStd = options.anchorStd ?? 0.05;
  const seed = options.seed;
  const portfolio = options.portfolio ?? defaultPortfolio(clock());

  const byConId = new Map<number, Contract>();
  const behaviours = new Map<number, GreeksBehaviour>();
  for (const contract of portfolio.contracts) {
    byConId.set(contract.conId, contract);
    if (isOption(contract)) behaviours.set(contract.conId, contract.greeks);
  }
  const positionRows: PositionRow[] = portfolio.positions.map((row) => ({ ...row }));
  const listeners = new Set<PositionListener>();
  const walkCache = new Map<number, WalkParams>();
  const priceCache = new Map<string, number>();

  function requireContract(conId: number): Contract {
    const contract = byConId.get(conId);
    if (!contract) throw new Error(`unknown conId ${conId}`);
    return contract;
  }

  function requireOption(conId: number): OptionContract {
    const contract = requireContract(conId);
    if (!isOption(contract)) throw new Error(`conId ${conId} is a ${contract.secType}, not an option`);
    return contract;
  }

  function walkFor(underlying: UnderlyingContract): WalkParams {
    let params = walkCache.get(underlying.conId);
    if (!params) {
      params = {
        seed,
        walkId: underlying.conId,
        startPrice: underlying.startPrice,
        volatility: underlying.walkVolatility,
        bucketMs,
        anchorStd,
      };
      walkCache.set(underlying.conId, params);
    }
    return params;
  }

  function underlyingPrice(underConId: number, t = clock()): number {
    const contract = requireContract(underConId);
    if (isOption(contract)) throw new Error(`conId ${underConId} is an option, not an underlying`);
    const bucket = bucketOf(t, bucketMs);
    const key = `${underConId}:${bucket}`;
    let price = priceCache.get(key);
    if (price === undefined) {
      price = walkPrice(walkFor(contract), bucket);
      if (priceCache.size > 50_000) priceCache.clear();
      priceCache.set(key, price);
    }
    return price;
  }

  function optionGreeks(conId: number, t = clock()): ModelGreeks {
    const option = requireOption(conId);
    const underlying = requireContract(option.underConId) as UnderlyingContract;
    const at = bucketOf(t, bucketMs) * bucketMs;
    const spot = underlyingPrice(underlying.conId, at);
    const volatility = option.impliedVol ?? underlying.impliedVol;
    const years = Math.max((expiryInstant(option.expiry) - at) / MS_PER_YEAR, MIN_YEARS);
    const valuation = valueOption({
      right: option.right,
      underlyingPrice: spot,
      strike: option.strike,
      years,
      volatility,
      rate,
      onFuture: option.secType === 'FOP',
    });
    return {
      delta: valuation.delta,
      gamma: valuation.gamma,
      vega: valuation.vega,
      theta: valuation.theta,
      impliedVol: volatility,
      optionPrice: valuation.price,
      underlyingPrice: spot,
    };
  }

  function markPrice(conId: number, t = clock()): number {
    const contract = requireContract(conId);
    return isOption(contract) ? optionGreeks(conId, t).optionPrice : underlyingPrice(conId, t);
  }

  function positionValuation(position: PositionRow, t = clock()): PositionValuation {
    const contract = requireContract(position.conId);
    const multiplier = contract.multiplier;
    const marketPrice = markPrice(position.conId, t);
    const marketValue = marketPrice * position.quantity * multiplier;
    const openPrice = markPrice(position.conId, startOfUtcDay(t));
    return {
      marketPrice,
      marketValue,
      unrealizedPnl: marketValue - position.avgCost * position.quantity,
      dailyPnl: (marketPrice - openPrice) * position.quantity * multiplier,
      realizedPnl: 0,
    };
  }

  function positions(account?: string): PositionRow[] {
    return positionRows.filter((row) => account === undefined || row.account === account).map((row) => ({ ...row }));
  }

  return {
    seed,
    rate,
    bucketMs,
    now: clock,
    accounts: () => portfolio.accounts.map((account) => ({ ...account })),
    contracts: () => [...byConId.values()],
    contract: (conId) => byConId.get(conId),
    bucketStart: (t) => bucketOf(t, bucketMs) * bucketMs,
    underlyingPrice,
    optionGreeks,
    markPrice,
    greeksDelivery(conId, t, subscribedAt) {
      requireOption(conId);
      const behaviour = behaviours.get(conId) ?? { mode: 'computed' };
      const delivery = deliveryFor(behaviour, t, subscribedAt);
      return delivery.kind === 'computed' ? { kind: 'computed', greeks: optionGreeks(conId, t) } : delivery;
    },
    setEntitlement(conId, entitlement) {
      const contract = requireContract(conId);
      byConId.set(conId, { ...contract, entitlement } as Contract);
    },
    setGreeksBehaviour(conId, behaviour) {
      requireOption(conId);
      behaviours.set(conId, greeksBehaviourSchema.parse(behaviour));
    },
    positions,
    position: (account, conId) => positions(account).find((row) => row.conId === conId),
    setPosition(account, conId, quantity, avgCost) {
      requireContract(conId);
      if (!portfolio.accounts.some((candidate) => candidate.id === account))
        throw new Error(`unknown account ${account}`);
      if (!Number.isFinite(quantity)) throw new Error(`quantity must be a finite number, got ${quantity}`);
      let row = positionRows.find((candidate) => candidate.account === account && candidate.conId === conId);
      if (!row) {
        row = { account, conId, quantity, avgCost: avgCost ?? 0 };
        positionRows.push(row);
      }
      row.quantity = quantity;
      if (avgCost !== undefined) row.avgCost = avgCost;
      const snapshot = { ...row };
      for (const listener of listeners) listener(snapshot);
      return snapshot;
    },
    onPositionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    positionValuation,
    accountValuation(account, t = clock()) {
      const settings = portfolio.accounts.find((candidate) => candidate.id === account);
      if (!settings) throw new Error(`unknown account ${account}`);
      const totals = { marketValue: 0, gross: 0, unrealized: 0, daily: 0, realized: 0 };
      for (const row of positions(account)) {
        const valuation = positionValuation(row, t);
        // IBKR reports account values and P&L in the base currency; a currency without a configured rate counts 1:1.
        const currency = byConId.get(row.conId)?.currency ?? settings.baseCurrency;
        const fx = currency === settings.baseCurrency ? 1 : (settings.exchangeRates[currency] ?? 1);
        totals.marketValue += valuation.marketValue * fx;
        totals.gross += Math.abs(valuation.marketValue) * fx;
        totals.unrealized += valuation.unrealizedPnl * fx;
        totals.daily += valuation.dailyPnl * fx;
        totals.realized += valuation.realizedPnl * fx;
      }
      return {
        netLiquidation: settings.cash + totals.marketValue,
        cash: settings.cash,
        grossPositionValue: totals.gross,
        unrealizedPnl: totals.unrealized,
        realizedPnl: totals.realized,
        dailyPnl: totals.daily,
      };
    },
  };
}
