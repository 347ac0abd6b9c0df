import { parsePortfolio, type PortfolioFile } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

const ACCOUNT = 'DU5550001';
const OPTION_COUNT = 250;

function bigPortfolio(): PortfolioFile {
  const contracts: PortfolioFile['contracts'] = [
    {
      conId: 1001,
      symbol: 'XYZ',
      localSymbol: 'XYZ',
      secType: 'STK',
      startPrice: 100,
      walkVolatility: 0.2,
      impliedVol: 0.3,
    },
  ];
  const positions: PortfolioFile['positions'] = [{ account: ACCOUNT, conId: 1001, quantity: 300, avgCost: 95 }];
  for (let index = 0; index < OPTION_COUNT; index += 1) {
    const conId = 5000 + index;
    contracts.push({
      conId,
      symbol: 'XYZ',
      localSymbol: `XYZ opt ${index}`,
      secType: 'OPT',
      right: index % 2 === 0 ? 'C' : 'P',
      strike: 50 + index,
      expiry: '+40d',
      multiplier: 100,
      underConId: 1001,
    });
    positions.push({ account: ACCOUNT, conId, quantity: (index % 5) - 2 || 1, avgCost: 100 });
  }
  return { accounts: [{ id: ACCOUNT }], contracts, positions };
}

describe('PORTAL positions with paging (real HTTPS)', () => {
  let pair: PortalPair;
  beforeAll(async () => {
    const now = Date.now();
    pair = await startPortalPair({
      fake: { portfolio: parsePortfolio(bigPortfolio(), now) },
      broker: { positionsRefreshIntervalMs: 500 },
    });
    await pair.broker.waitUntilReady(30_000);
  });
  afterAll(() => pair.close());

  it('reads every page (100 rows each) and drops nothing but zero rows', () => {
    const snapshot = pair.broker.snapshot(ACCOUNT);
    expect(snapshot.positions).toHaveLength(OPTION_COUNT + 1);
    const pages = pair.fake.control.requests(`/portfolio/${ACCOUNT}/positions/`).map((entry) => entry.path);
    expect(pages.slice(0, 4)).toEqual([
      `/portfolio/${ACCOUNT}/positions/invalidate`,
      `/portfolio/${ACCOUNT}/positions/0`,
      `/portfolio/${ACCOUNT}/positions/1`,
      `/portfolio/${ACCOUNT}/positions/2`,
    ]);
    // The 250 options are polled in batches of 50 conids plus the underlying.
    expect(Object.keys(snapshot.greeks)).toHaveLength(OPTION_COUNT);
  });

  it('invalidates the backend cache so position changes show up', async () => {
    pair.fake.control.model.setPosition(ACCOUNT, 5003, 0);
    pair.fake.control.model.setPosition(ACCOUNT, 5004, 17);
    await waitFor(() => {
      const positions = pair.broker.snapshot(ACCOUNT).positions;
      return !positions.some((position) => position.conId === 5003) &&
        positions.find((position) => position.conId === 5004)?.quantity === 17
        ? true
        : undefined;
    }, 'the changed positions');
    expect(pair.broker.snapshot(ACCOUNT).positions).toHaveLength(OPTION_COUNT);
  });
});
