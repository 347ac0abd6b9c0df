import { resolveSocketBrokerOptions, SOCKET_BROKER_DEFAULTS } from '../../../src/broker/socket';
import type { ContractDetails } from '@stoqey/ib';
import {
  marketDataContract,
  parseContractDetails,
  parsePositionEvent,
} from '../../../src/broker/socket/contractMapping';
import type { Position } from '../../../src/broker/types';

describe('socket broker options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveSocketBrokerOptions({ host: '127.0.0.1', port: 4002 });
    expect(resolved).toMatchObject({ ...SOCKET_BROKER_DEFAULTS, account: null });
    expect(resolved.clientId).toBe(10);
    expect(resolved.maxMarketDataLines).toBe(95);
    expect(resolved.maxMessagesPerSecond).toBe(45);
  });

  it.each([
    [{ port: 0 }, /port/],
    [{ clientId: -1 }, /clientId/],
    [{ maxMarketDataLines: 0 }, /maxMarketDataLines/],
    [{ maxMessagesPerSecond: 51 }, /maxMessagesPerSecond/],
    [{ maxMessagesPerSecond: 0 }, /maxMessagesPerSecond/],
    [{ heartbeatIntervalMs: 5_000, heartbeatTimeoutMs: 5_000 }, /heartbeatTimeoutMs/],
    [{ reconnectMinDelayMs: 10, reconnectMaxDelayMs: 5 }, /reconnectMaxDelayMs/],
    [{ marketDataType: 'realtime' }, /marketDataType/],
    [{ host: '' }, /host/],
  ])('rejects %j with a one-line message naming the option', (override, message) => {
    expect(() => resolveSocketBrokerOptions({ host: 'h', port: 4002, ...(override as object) })).toThrow(message);
  });
});

describe('position event mapping', () => {
  it('turns an empty stock multiplier into 1 and keeps option facts', () => {
    const stock = parsePositionEvent(
      'DU1',
      { conId: 1, symbol: 'AAPL', secType: 'STK' as never, multiplier: 0 },
      5,
      10,
    );
    expect(stock).toMatchObject({ ok: true, value: { multiplier: 1, underlyingConId: 1, secType: 'STK' } });
    const option = parsePositionEvent(
      'DU1',
      {
        conId: 2,
        symbol: 'AAPL',
        secType: 'OPT' as never,
        multiplier: 100,
        right: 'P' as never,
        strike: 180,
        lastTradeDateOrContractMonth: '20270115',
        localSymbol: 'AAPL  270115P00180000',
      },
      -3,
      250,
    );
    expect(option).toMatchObject({
      ok: true,
      value: { multiplier: 100, right: 'P', strike: 180, expiry: '20270115', quantity: -3, underlying: 'AAPL' },
    });
  });

  it.each([
    ['', { conId: 1 }, 1, /account/],
    ['DU1', { conId: Number.NaN }, 1, /conId/],
    ['DU1', undefined, 1, /conId/],
    ['DU1', { conId: 1 }, Number.NaN, /quantity/],
  ])('refuses malformed input with a reason (%j, %j, %j)', (account, contract, quantity, reason) => {
    const parsed = parsePositionEvent(account, contract as never, quantity, undefined);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('market-data contract', () => {
  const fop: Position = {
    account: 'DU1',
    conId: 800001,
    localSymbol: 'ESZ6 C6000',
    underlying: 'ES',
    secType: 'FOP',
    multiplier: 50,
    quantity: 2,
    currency: 'USD',
  };

  it('asks for futures options on their listing exchange, never on an empty one', () => {
    const resolved = { exchange: 'CME', multiplier: 50, underlyingConId: 495512563, underlyingSecType: 'FUT' as const };
    expect(marketDataContract(fop, resolved)).toEqual({ ok: true, value: { conId: 800001, exchange: 'CME' } });
    const unresolved = marketDataContract(fop, undefined);
    expect(unresolved.ok).toBe(false);
    expect(!unresolved.ok && unresolved.reason).toMatch(/ESZ6 C6000 \(conId 800001\): no listing exchange/);
    expect(marketDataContract(fop, { ...resolved, exchange: '' }).ok).toBe(false);
    expect(marketDataContract({ ...fop, secType: 'OPT' }, undefined)).toEqual({
      ok: true,
      value: { conId: 800001, exchange: 'SMART' },
    });
  });

  it('asks for an index (an option underlying) on its listing exchange: SMART does not route indices', () => {
    const spx: Position = {
      ...fop,
      conId: 416904,
      localSymbol: 'SPX',
      underlying: 'SPX',
      secType: 'IND',
      multiplier: 1,
    };
    expect(marketDataContract(spx, undefined).ok).toBe(false);
    expect(
      marketDataContract(spx, { exchange: 'CBOE', multiplier: null, underlyingConId: null, underlyingSecType: null }),
    ).toEqual({
      ok: true,
      value: { conId: 416904, exchange: 'CBOE' },
    });
  });

  it('takes the listing exchange from valid exchanges when the contract leaves it empty', () => {
    const details = {
      contract: { conId: 800001, exchange: '', multiplier: 50 },
      validExchanges: 'SMART,CME',
      underConId: 495512563,
      underSecType: 'FUT',
    } as unknown as ContractDetails;
    expect(parseContractDetails(details)).toEqual({
      ok: true,
      value: { exchange: 'CME', multiplier: 50, underlyingConId: 495512563, underlyingSecType: 'FUT' },
    });
  });
});
