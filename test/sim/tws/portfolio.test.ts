import { Contract as IbContract, EventName } from '@stoqey/ib';
import { isOption, MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../../src/sim/model';
import { waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

describe('TWS simulator: portfolio, account and PnL messages', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('dumps every position of every account, then positionEnd, with IBKR field conventions', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqPositions();
    await client.waitFor(EventName.positionEnd);
    const rows = client.all(EventName.position) as Array<[string, IbContract, number, number]>;
    const expected = sim.model.positions();
    expect(rows).toHaveLength(expected.length);
    for (const [account, contract, quantity, avgCost] of rows) {
      const row = expected.find((candidate) => candidate.account === account && candidate.conId === contract.conId)!;
      expect([quantity, avgCost]).toEqual([row.quantity, row.avgCost]);
      const modelContract = sim.model.contract(contract.conId!)!;
      expect(contract.localSymbol).toBe(modelContract.localSymbol);
      expect(contract.secType).toBe(modelContract.secType);
      // Stocks come with an empty multiplier, which the client reads as 0.
      expect(contract.multiplier).toBe(modelContract.secType === 'STK' ? 0 : modelContract.multiplier);
      if (isOption(modelContract)) {
        expect([contract.strike, contract.right, contract.lastTradeDateOrContractMonth]).toEqual([
          modelContract.strike,
          modelContract.right,
          modelContract.expiry,
        ]);
      }
    }
    expect(new Set(rows.map((row) => row[0]))).toEqual(new Set([MAIN_ACCOUNT, SMALL_ACCOUNT]));
    expect(rows.some((row) => row[2] === 0)).toBe(true);
    expect(rows.find((row) => row[1].secType === 'FOP')?.[1].multiplier).toBe(50);
  });

  it('pushes live changes after the dump, including a position closing to 0 after another changed', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqPositions();
    await client.waitFor(EventName.positionEnd);
    const mark = client.mark();
    sim.control.setPosition({ account: MAIN_ACCOUNT, conId: 700003, quantity: -6 });
    sim.control.setPosition({ account: MAIN_ACCOUNT, conId: 700001, quantity: 0 });
    const pushed = await waitUntil(() => {
      const rows = client.events.slice(mark).filter((event) => event.name === EventName.position);
      return rows.length === 2 ? rows.map((event) => [(event.args[1] as IbContract).conId, event.args[2]]) : undefined;
    }, 'two pushed positions');
    expect(pushed).toEqual([
      [700003, -6],
      [700001, 0],
    ]);
    // A repeated request gets the new state, zero row included.
    client.api.cancelPositions();
    client.api.reqPositions();
    await waitUntil(() => client.count(EventName.positionEnd) === 2, 'second positionEnd');
    const latest = client.all(EventName.position).slice(-sim.model.positions().length) as Array<
      [string, IbContract, number]
    >;
    expect(latest.find((row) => row[1].conId === 700001)?.[2]).toBe(0);
  });

  it('serves reqAccountUpdates: values, updatePortfolio, time and download end, and pushes changes', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqAccountUpdates(true, SMALL_ACCOUNT);
    await client.waitFor(EventName.accountDownloadEnd, (args) => args[0] === SMALL_ACCOUNT);
    const values = Object.fromEntries(client.all(EventName.updateAccountValue).map((args) => [args[0], args[1]]));
    const valuation = sim.model.accountValuation(SMALL_ACCOUNT);
    expect(values.NetLiquidation).toBe(valuation.netLiquidation.toFixed(2));
    expect(values.AccountCode).toBe(SMALL_ACCOUNT);
    const portfolio = client.all(EventName.updatePortfolio);
    expect(portfolio).toHaveLength(sim.model.positions(SMALL_ACCOUNT).length);
    const [contract, position, marketPrice, marketValue, , , , account] = portfolio[0] as [
      IbContract,
      number,
      number,
      number,
      number,
      number,
      number,
      string,
    ];
    expect(account).toBe(SMALL_ACCOUNT);
    const expected = sim.model.positionValuation(sim.model.position(SMALL_ACCOUNT, contract.conId!)!);
    expect([position, marketPrice, marketValue]).toEqual([
      sim.model.position(SMALL_ACCOUNT, contract.conId!)!.quantity,
      expected.marketPrice,
      expected.marketValue,
    ]);
    expect(client.all(EventName.updateAccountTime)[0][0]).toBe('15:30');
    sim.control.setPosition({ account: SMALL_ACCOUNT, conId: contract.conId!, quantity: 42 });
    await client.waitFor(EventName.updatePortfolio, (args) => args[1] === 42);
  });

  it('serves reqAccountSummary for all accounts and the requested tags', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqAccountSummary(11, 'All', 'NetLiquidation,TotalCashValue');
    await client.waitFor(EventName.accountSummaryEnd, (args) => args[0] === 11);
    const rows = client.all(EventName.accountSummary) as Array<[number, string, string, string, string]>;
    expect(rows).toHaveLength(4);
    expect(rows).toContainEqual([11, MAIN_ACCOUNT, 'TotalCashValue', '250000.00', 'USD']);
    expect(rows).toContainEqual([
      11,
      SMALL_ACCOUNT,
      'NetLiquidation',
      sim.model.accountValuation(SMALL_ACCOUNT).netLiquidation.toFixed(2),
      'USD',
    ]);
  });

  it('streams reqPnL and reqPnLSingle with the model values; unknown PnL fields arrive undefined', async () => {
    const sim = await fixture.start({ settings: { pnlIntervalMs: 100 } });
    const client = await fixture.connected();
    client.api.reqPnL(21, MAIN_ACCOUNT, '');
    client.api.reqPnLSingle(22, MAIN_ACCOUNT, '', 700002);
    client.api.reqPnLSingle(23, MAIN_ACCOUNT, '', 700008); // held by the small account only
    await waitUntil(() => client.count(EventName.pnl) >= 2, 'two pnl updates');
    const account = sim.model.accountValuation(MAIN_ACCOUNT);
    expect(client.all(EventName.pnl)[0]).toEqual([21, account.dailyPnl, account.unrealizedPnl, account.realizedPnl]);
    const single = (await client.waitFor(EventName.pnlSingle, (args) => args[0] === 22)) as number[];
    const row = sim.model.position(MAIN_ACCOUNT, 700002)!;
    const valuation = sim.model.positionValuation(row);
    expect(single).toEqual([22, row.quantity, valuation.dailyPnl, valuation.unrealizedPnl, 0, valuation.marketValue]);
    const none = await client.waitFor(EventName.pnlSingle, (args) => args[0] === 23);
    expect(none).toEqual([23, 0, undefined, undefined, undefined, undefined]);
    client.api.cancelPnL(21);
    await waitUntil(() => sim.counters().cancelPnL === 1, 'cancelPnL at the simulator');
    const before = client.count(EventName.pnl);
    await waitUntil(() => client.count(EventName.pnlSingle) >= 6, 'more pnlSingle');
    expect(client.count(EventName.pnl)).toBeLessThanOrEqual(before + 1);
  });

  it('answers reqContractDetails by conId with exchange, multiplier and underConId; 200 for unknown', async () => {
    await fixture.start();
    const client = await fixture.connected();
    client.api.reqContractDetails(31, { conId: 800001 });
    client.api.reqContractDetails(32, { conId: 123 });
    client.api.reqContractDetails(33, { symbol: 'SPY', secType: 'STK' as IbContract['secType'] });
    const [, details] = (await client.waitFor(EventName.contractDetails, (args) => args[0] === 31)) as [
      number,
      { contract: IbContract; underConId: number },
    ];
    expect(details.contract).toMatchObject({
      conId: 800001,
      secType: 'FOP',
      exchange: 'CME',
      multiplier: 50,
      right: 'C',
      strike: 6000,
    });
    expect(details.underConId).toBe(495512563);
    await client.waitFor(EventName.contractDetailsEnd, (args) => args[0] === 31);
    await client.waitFor('error', (args) => args[1] === 200 && args[2] === 32);
    const [, stock] = (await client.waitFor(EventName.contractDetails, (args) => args[0] === 33)) as [
      number,
      { contract: IbContract },
    ];
    expect(stock.contract.conId).toBe(756733);
    expect(client.all('error').filter((args) => args[1] === 505)).toEqual([]);
  });
});
