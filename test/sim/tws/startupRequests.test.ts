import { BarSizeSetting, Contract as IbContract, EventName, WhatToShow } from '@stoqey/ib';
import { MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../../src/sim/model';
import { SimFixture } from './simFixture';

const AAPL = 265598;

describe('TWS simulator: requests standard clients send at startup', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('answers open orders, executions and completed orders of an account without orders with their end messages', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqOpenOrders();
    await client.waitFor(EventName.openOrderEnd);
    client.api.reqAllOpenOrders();
    client.api.reqAutoOpenOrders(false);
    client.api.reqExecutions(7, {});
    client.api.reqCompletedOrders(false);
    await client.waitFor(EventName.execDetailsEnd, (args) => args[0] === 7);
    await client.waitFor(EventName.completedOrdersEnd);
    expect(client.count(EventName.openOrderEnd)).toBe(2);
    expect(client.count(EventName.openOrder)).toBe(0);
    expect(client.count(EventName.execDetails)).toBe(0);
    // Nothing was refused as "not simulated".
    expect(client.errorCodes()).toEqual([]);
    expect(client.infoCodes().filter((code) => code === 321)).toEqual([]);
    expect(sim.counters()).toMatchObject({ reqOpenOrders: 1, reqAllOpenOrders: 1, reqAutoOpenOrders: 1 });
  });

  it('answers positions multi and account updates multi for one account or all of them, then their ends', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqPositionsMulti(3, 'All', '');
    await client.waitFor(EventName.positionMultiEnd, (args) => args[0] === 3);
    const rows = client.all(EventName.positionMulti).filter((args) => args[0] === 3);
    expect(rows).toHaveLength(sim.model.positions().length);
    const first = sim.model.positions()[0];
    expect(rows[0][1]).toBe(first.account);
    expect((rows[0][3] as IbContract).conId).toBe(first.conId);
    expect([rows[0][4], rows[0][5]]).toEqual([first.quantity, first.avgCost]);

    client.api.reqAccountUpdatesMulti(4, SMALL_ACCOUNT, '', true);
    await client.waitFor(EventName.accountUpdateMultiEnd, (args) => Number(args[0]) === 4);
    const values = client.all(EventName.accountUpdateMulti).filter((args) => args[0] === 4);
    expect(new Set(values.map((args) => args[1]))).toEqual(new Set([SMALL_ACCOUNT]));
    const netLiq = values.find((args) => args[3] === 'NetLiquidation')!;
    expect(Number(netLiq[4])).toBeCloseTo(sim.model.accountValuation(SMALL_ACCOUNT).netLiquidation, 2);

    client.api.reqAccountUpdatesMulti(5, 'NOPE1', '', true);
    await client.waitFor(EventName.error, (args) => args[1] === 321 && args[2] === 5);
    expect(client.all(EventName.accountUpdateMulti).some((args) => args[1] === MAIN_ACCOUNT && args[0] === 4)).toBe(
      false,
    );
  });

  it('answers historical data with synthetic bars from the model price path', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    const end = fixture.clock.now; // 2026-03-02 15:30:00 UTC
    client.api.reqHistoricalData(
      9,
      { conId: AAPL, exchange: 'SMART' } as IbContract,
      '',
      '3600 S',
      BarSizeSetting.MINUTES_THIRTY,
      WhatToShow.TRADES,
      0,
      1,
      false,
    );
    const finished = await client.waitFor(EventName.historicalData, (args) => String(args[1]).startsWith('finished'));
    expect(finished[1]).toBe('finished-20260302 14:30:00 UTC-20260302 15:30:00 UTC');
    const bars = client
      .all(EventName.historicalData)
      .filter((args) => args[0] === 9 && !String(args[1]).startsWith('finished'));
    // 3600 s in 30-minute bars: the bars starting 14:30 and 15:00; the last one closes at the request's end.
    expect(bars.map((args) => args[1])).toEqual(['20260302 14:30:00 UTC', '20260302 15:00:00 UTC']);
    const open = Math.round(sim.model.underlyingPrice(AAPL, Date.UTC(2026, 2, 2, 14, 30, 0)) * 10_000) / 10_000;
    expect(bars[0][2]).toBe(open);
    const lastClose = Math.round(sim.model.underlyingPrice(AAPL, end - 1) * 10_000) / 10_000;
    expect(bars[1][5]).toBe(lastClose);
    for (const bar of bars) {
      const [, , o, h, l, c] = bar as number[];
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
    }

    client.api.reqHistoricalData(
      10,
      { conId: 1 } as IbContract,
      '',
      '1 D',
      BarSizeSetting.HOURS_ONE,
      WhatToShow.MIDPOINT,
      0,
      1,
      false,
    );
    await client.waitFor(EventName.error, (args) => args[1] === 200 && args[2] === 10);
    // Historical schedules (a different reply message) are refused rather than answered with bars.
    client.api.reqHistoricalData(
      11,
      { conId: AAPL } as IbContract,
      '',
      '1 D',
      BarSizeSetting.HOURS_ONE,
      WhatToShow.SCHEDULE,
      1,
      1,
      false,
    );
    await client.waitFor(EventName.error, (args) => args[1] === 321 && args[2] === 11);
  });
});
