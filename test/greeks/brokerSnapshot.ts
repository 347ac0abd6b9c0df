import type { BrokerSnapshot, OptionGreeks, Position, PriceQuote } from '../../src/broker/types';

/** A SOCKET snapshot of account DU1 taken at `takenAt`, without P&L: positions, their Greeks and price quotes. */
export function brokerSnapshot(
  takenAt: number,
  positions: Position[],
  greeks: OptionGreeks[] = [],
  quotes: PriceQuote[] = [],
): BrokerSnapshot {
  return {
    account: 'DU1',
    mode: 'SOCKET',
    takenAt,
    connection: 'ready',
    positions,
    greeks: Object.fromEntries(greeks.map((g) => [g.conId, g])),
    underlyingPrices: Object.fromEntries(quotes.map((q) => [q.conId, q])),
    pnl: null,
    marketDataType: 'live',
    positionsComplete: true,
  };
}
