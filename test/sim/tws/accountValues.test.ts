import { EventName } from '@stoqey/ib';
import { createMarketModel, parsePortfolio } from '../../../src/sim/model';
import { SimFixture } from './simFixture';

const ACCOUNT = 'DU5550001';
const XYZ = 1001;
const ABC = 1002;
const XYZ_PUT_90 = 2001;
const XYZ_CALL_110 = 2002;

describe('TWS simulator: account values consistent with the positions', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('reports Reg T margin and liquidity figures that follow from the positions, in updates and summary', async () => {
    const now = fixture.clock.now;
    // Nearly flat prices (no anchor draws, a 1e-9 walk): XYZ stays within a hair of 100 and ABC of 50.
    const portfolio = parsePortfolio(
      {
        accounts: [{ id: ACCOUNT, cash: 100_000 }],
        contracts: [
          {
            conId: XYZ,
            symbol: 'XYZ',
            localSymbol: 'XYZ',
            secType: 'STK',
            startPrice: 100,
            walkVolatility: 1e-9,
            impliedVol: 0.3,
          },
          {
            conId: ABC,
            symbol: 'ABC',
            localSymbol: 'ABC',
            secType: 'STK',
            startPrice: 50,
            walkVolatility: 1e-9,
            impliedVol: 0.3,
          },
          {
            conId: XYZ_PUT_90,
            symbol: 'XYZ',
            localSymbol: 'XYZ P90',
            secType: 'OPT',
            right: 'P',
            strike: 90,
            expiry: '+60d',
            multiplier: 100,
            underConId: XYZ,
          },
          {
            conId: XYZ_CALL_110,
            symbol: 'XYZ',
            localSymbol: 'XYZ C110',
            secType: 'OPT',
            right: 'C',
            strike: 110,
            expiry: '+60d',
            multiplier: 100,
            underConId: XYZ,
          },
        ],
        positions: [
          { account: ACCOUNT, conId: XYZ, quantity: 100, avgCost: 95 },
          { account: ACCOUNT, conId: ABC, quantity: -200, avgCost: 52 },
          { account: ACCOUNT, conId: XYZ_PUT_90, quantity: -2, avgCost: 150 },
          { account: ACCOUNT, conId: XYZ_CALL_110, quantity: 1, avgCost: 120 },
        ],
      },
      now,
    );
    const model = createMarketModel({ seed: 3, portfolio, clock: fixture.clock.read, anchorStd: 0 });
    await fixture.start({ model });
    const xyz = model.underlyingPrice(XYZ);
    const abc = model.underlyingPrice(ABC);
    expect([xyz, abc]).toEqual([expect.closeTo(100, 6), expect.closeTo(50, 6)]);
    const put = model.optionGreeks(XYZ_PUT_90).optionPrice;
    const call = model.optionGreeks(XYZ_CALL_110).optionPrice;

    // Stocks: long 100 × XYZ ≈ 10,000 (initial 50 %, maintenance 25 %); short 200 × ABC ≈ 10,000 (50 % / 30 %).
    // Short put 90 with XYZ at 100: out of the money by 10, so max(20 % × 100 − 10, 10 % × 90) = 10 per share on
    // top of the put's value, for 2 contracts of 100. The long call needs no margin and has no loan value.
    const putMargin = Math.max(0.2 * xyz - (xyz - 90), 0.1 * 90);
    const netLiquidation = 100_000 + 100 * xyz - 200 * abc - 200 * put + 100 * call;
    const equityWithLoanValue = netLiquidation - 100 * call;
    const initMarginReq = 0.5 * 100 * xyz + 0.5 * 200 * abc + 200 * (put + putMargin);
    const maintMarginReq = 0.25 * 100 * xyz + 0.3 * 200 * abc + 200 * (put + putMargin);
    const expected: Record<string, number> = {
      NetLiquidation: netLiquidation,
      TotalCashValue: 100_000,
      EquityWithLoanValue: equityWithLoanValue,
      InitMarginReq: initMarginReq,
      MaintMarginReq: maintMarginReq,
      AvailableFunds: equityWithLoanValue - initMarginReq,
      ExcessLiquidity: equityWithLoanValue - maintMarginReq,
      BuyingPower: 4 * (equityWithLoanValue - initMarginReq),
    };

    const client = await fixture.connected();
    client.api.reqAccountUpdates(true, ACCOUNT);
    await client.waitFor(EventName.accountDownloadEnd);
    const usd = new Map(
      client
        .all(EventName.updateAccountValue)
        .filter((args) => args[2] === 'USD')
        .map((args) => [args[0] as string, args[1] as string]),
    );
    for (const [tag, value] of Object.entries(expected))
      expect({ tag, value: usd.get(tag) }).toEqual({ tag, value: value.toFixed(2) });
    expect(usd.get('StockMarketValue')).toBe((100 * xyz - 200 * abc).toFixed(2));
    expect(usd.get('OptionMarketValue')).toBe((100 * call - 200 * put).toFixed(2));
    expect(usd.get('CashBalance')).toBe('100000.00');
    expect(usd.get('ExchangeRate')).toBe('1.00');
    const base = client.all(EventName.updateAccountValue).filter((args) => args[2] === 'BASE');
    expect(base).toContainEqual(['CashBalance', '100000.00', 'BASE', ACCOUNT]);

    client.api.reqAccountSummary(5, 'All', 'NetLiquidation,InitMarginReq,ExcessLiquidity,BuyingPower,$LEDGER');
    await client.waitFor(EventName.accountSummaryEnd, (args) => args[0] === 5);
    const summary = client.all(EventName.accountSummary).map((args) => [args[2], args[3], args[4]]);
    expect(summary).toContainEqual(['InitMarginReq', initMarginReq.toFixed(2), 'USD']);
    expect(summary).toContainEqual(['ExcessLiquidity', expected.ExcessLiquidity.toFixed(2), 'USD']);
    expect(summary).toContainEqual(['BuyingPower', expected.BuyingPower.toFixed(2), 'USD']);
    expect(summary).toContainEqual(['CashBalance', '100000.00', 'USD']);
  });
});
