import type { IBApi } from '@stoqey/ib';
import { ContractResolver } from '../../../src/broker/socket/contractResolver';
import { EventHub } from '../../../src/broker/plumbing/eventHub';
import { silentLogger } from '../../../src/broker/plumbing/logger';
import { MarketDataBook } from '../../../src/broker/socket/marketDataBook';
import { RequestIds, type Session } from '../../../src/broker/socket/session';
import type { Position } from '../../../src/broker/types';

const AAPL: Position = {
  account: 'DU1',
  conId: 265598,
  localSymbol: 'AAPL',
  underlying: 'AAPL',
  secType: 'STK',
  multiplier: 1,
  quantity: 100,
  currency: 'USD',
  underlyingConId: 265598,
};

/**
 * A gateway sends the previous close (tick 9) first on every line, often in its own packet, and outside trading
 * hours it may be all a line carries. The stream is replayed into the real book through a session that records the
 * requests (the simulator always sends quotes with the close, so it cannot hold a line at "close only").
 */
describe('SOCKET market data: the previous close is never passed off as a current price', () => {
  function bookWithLine(): { book: MarketDataBook; reqId: number } {
    const events = new EventHub({ mode: 'SOCKET', clock: () => 1_000, logger: silentLogger });
    const ids = new RequestIds();
    const resolver = new ContractResolver(ids, events, () => undefined);
    const book = new MarketDataBook(
      () => [AAPL],
      10,
      'live',
      () => 1_000,
      ids,
      resolver,
      events,
    );
    const requested: number[] = [];
    const api = { reqMarketDataType: () => undefined, reqMktData: (reqId: number) => requested.push(reqId) };
    const session = { isReady: () => true, send: (request: (api: IBApi) => void) => request(api as never) };
    book.onSessionReady(session as unknown as Session);
    book.reconcile();
    expect(requested).toHaveLength(1);
    return { book, reqId: requested[0] };
  }

  it('labels a close-only price frozen, and the live price live once quotes arrive', () => {
    const { book, reqId } = bookWithLine();
    book.onMarketDataType(reqId, 1);
    book.onTickPrice(reqId, 9, 179.39);
    expect(book.priceSnapshot(AAPL.conId, true)).toEqual({
      conId: AAPL.conId,
      price: 179.39,
      at: 1_000,
      marketDataType: 'frozen',
    });
    book.onTickPrice(reqId, 1, 181.1);
    expect(book.priceSnapshot(AAPL.conId, true)?.marketDataType).toBe('frozen');
    book.onTickPrice(reqId, 2, 181.3);
    expect(book.priceSnapshot(AAPL.conId, true)).toMatchObject({ price: 181.2, marketDataType: 'live' });
  });

  it('labels a delayed close-only price delayed-frozen', () => {
    const { book, reqId } = bookWithLine();
    book.onMarketDataType(reqId, 3);
    book.onTickPrice(reqId, 75, 179.39);
    expect(book.priceSnapshot(AAPL.conId, true)).toMatchObject({ price: 179.39, marketDataType: 'delayed-frozen' });
  });
});
