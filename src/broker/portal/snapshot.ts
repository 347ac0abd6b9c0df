import type { BrokerSnapshot, ConnectionState, OptionGreeks, PriceQuote } from '../types';
import { combinedType } from './marketData';
import type { MarketDataPoller } from './marketDataPoller';
import type { PositionsPoller } from './positionsPoller';

export interface PortalSnapshotInput {
  account: string;
  now: number;
  connection: ConnectionState;
  /** A conid whose last row is older than this is flagged stale. */
  staleAfterMs: number;
  betaBenchmark: string | null;
  positions: PositionsPoller;
  marketData: MarketDataPoller;
}

/** One account's positions with the Greeks and prices last polled; nothing is fetched here. */
export function portalSnapshot(input: PortalSnapshotInput): BrokerSnapshot {
  const { account, now, connection, marketData } = input;
  const store = marketData.store;
  const staleBefore = now - input.staleAfterMs;
  const positions = input.positions.positions(account).map((position) => ({ ...position }));
  const greeks: Record<number, OptionGreeks> = {};
  const underlyingPrices: Record<number, PriceQuote> = {};
  for (const position of positions) {
    const underlyingQuote = position.underlyingConId !== undefined ? store.price(position.underlyingConId) : undefined;
    if (underlyingQuote && position.underlyingConId !== undefined) {
      underlyingPrices[position.underlyingConId] = underlyingQuote;
    }
    if (position.secType !== 'OPT' && position.secType !== 'FOP') continue;
    const entry = store.greeks(position.conId, staleBefore);
    if (!entry) continue;
    entry.underlyingPrice = underlyingQuote?.price ?? null;
    // Dollar figures are built on the underlying price: a previous close there makes them a close too.
    if (underlyingQuote) entry.marketDataType = combinedType([entry.marketDataType, underlyingQuote.marketDataType]);
    if (connection !== 'ready') entry.stale = true;
    greeks[position.conId] = entry;
  }
  return {
    account,
    mode: 'PORTAL',
    takenAt: now,
    connection,
    positions,
    greeks,
    underlyingPrices,
    pnl: null,
    marketDataType: store.prevailingType(),
    exchangeRates: input.positions.rates(account),
    ...(input.betaBenchmark ? { benchmark: benchmarkQuote(input.betaBenchmark, connection, marketData) } : {}),
    positionsComplete: input.positions.isComplete(),
  };
}

function benchmarkQuote(
  symbol: string,
  connection: ConnectionState,
  marketData: MarketDataPoller,
): BrokerSnapshot['benchmark'] {
  const conId = marketData.benchmarkConId();
  const quote = conId !== undefined ? marketData.store.price(conId) : undefined;
  if (!quote || connection !== 'ready') return null;
  // /trsrv/stocks is asked for the US listing, which is quoted in USD.
  return { symbol, currency: 'USD', price: quote.price, at: quote.at, marketDataType: quote.marketDataType };
}
