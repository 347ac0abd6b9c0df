import { resolveSocketBrokerOptions, SOCKET_BROKER_DEFAULTS } from '../../../src/broker/socket';
import { parsePositionEvent } from '../../../src/broker/socket/contractMapping';

describe('socket broker options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveSocketBrokerOptions({ host: '127.0.0.1', port: 4002 });
    expect(resolved).toMatchObject({ ...SOCKET_BROKER_DEFAULTS, account: null });
    expect(resolved.clientId).toBe(10);
    expect(resolved.maxMarketDataLines).toBe(95);
  });

  it.each([
    [{ port: 0 }, /port/],
    [{ clientId: -1 }, /clientId/],
    [{ maxMarketDataLines: 0 }, /maxMarketDataLines/],
    [{ maxMessagesPerSecond: 60 }, /maxMessagesPerSecond/],
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
