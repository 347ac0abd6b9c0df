import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMarketModel,
  defaultPortfolio,
  defaultPortfolioFile,
  isOption,
  loadPortfolioFile,
  MAIN_ACCOUNT,
  normalCdf,
  parsePortfolio,
  PortfolioError,
  SMALL_ACCOUNT,
  valueOption,
} from '../../../src/sim/model';

const NOW = Date.UTC(2026, 2, 2, 15, 30, 0);

describe('default portfolio', () => {
  const portfolio = defaultPortfolio(NOW);

  it('has about 40 option positions on 5 underlyings, stocks, an ES FOP with its future, two accounts and a zero row', () => {
    const options = portfolio.positions.filter((row) => {
      const contract = portfolio.contracts.find((candidate) => candidate.conId === row.conId)!;
      return contract.secType === 'OPT' && row.quantity !== 0;
    });
    expect(options).toHaveLength(40);
    const underlyings = new Set(
      options.map((row) => {
        const contract = portfolio.contracts.find((candidate) => candidate.conId === row.conId)!;
        return isOption(contract) ? contract.underConId : 0;
      }),
    );
    expect(underlyings.size).toBe(5);
    const fop = portfolio.contracts.find((contract) => contract.secType === 'FOP');
    expect(fop).toMatchObject({ multiplier: 50, symbol: 'ES' });
    expect(portfolio.contracts.find((contract) => isOption(fop!) && contract.conId === fop.underConId)?.secType).toBe(
      'FUT',
    );
    expect(portfolio.positions.filter((row) => row.quantity === 0)).toHaveLength(1);
    expect(new Set(portfolio.positions.map((row) => row.account))).toEqual(new Set([MAIN_ACCOUNT, SMALL_ACCOUNT]));
    expect(portfolio.positions.some((row) => row.quantity < 0)).toBe(true);
    for (const contract of portfolio.contracts.filter(isOption)) {
      expect(contract.expiry > '20260302').toBe(true);
    }
  });
});

describe('portfolio validation', () => {
  it('rejects an unknown underlying with a one-line message', () => {
    const file = defaultPortfolioFile(NOW);
    const option = file.contracts.find((contract) => contract.secType === 'OPT')!;
    (option as { underConId: number }).underConId = 999;
    expect(() => parsePortfolio(file, NOW)).toThrow(/underConId 999/);
  });

  it('names the offending field of a schema error', () => {
    const file = defaultPortfolioFile(NOW);
    (file.positions[2] as { quantity: unknown }).quantity = 'lots';
    try {
      parsePortfolio(file, NOW);
      throw new Error('expected a PortfolioError');
    } catch (error) {
      expect(error).toBeInstanceOf(PortfolioError);
      expect((error as Error).message).toMatch(/^invalid portfolio: positions\.2\.quantity: /);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('loads a file with relative expiries and reports bad JSON clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-portfolio-'));
    try {
      const path = join(dir, 'p.json');
      writeFileSync(
        path,
        JSON.stringify({
          accounts: [{ id: 'DU1111111' }],
          contracts: [
            {
              conId: 1,
              symbol: 'XYZ',
              localSymbol: 'XYZ',
              secType: 'STK',
              startPrice: 50,
              walkVolatility: 0.2,
              impliedVol: 0.3,
            },
            {
              conId: 2,
              symbol: 'XYZ',
              localSymbol: 'XYZ C55',
              secType: 'OPT',
              right: 'C',
              strike: 55,
              expiry: '+30d',
              multiplier: 100,
              underConId: 1,
            },
          ],
          positions: [{ account: 'DU1111111', conId: 2, quantity: -1, avgCost: 120 }],
        }),
      );
      const portfolio = loadPortfolioFile(path, NOW);
      const option = portfolio.contracts.find((contract) => contract.conId === 2)!;
      expect(isOption(option) && option.expiry).toBe('20260401');
      writeFileSync(path, '{"accounts": [');
      expect(() => loadPortfolioFile(path, NOW)).toThrow(/is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('market model', () => {
  const portfolio = defaultPortfolio(NOW);
  const option = portfolio.contracts.filter(isOption).find((contract) => contract.secType === 'OPT')!;

  it('is a pure function of seed and time', () => {
    const a = createMarketModel({ seed: 7, portfolio, clock: () => NOW });
    const b = createMarketModel({ seed: 7, portfolio, clock: () => NOW + 1e9 });
    const c = createMarketModel({ seed: 8, portfolio, clock: () => NOW });
    const t = NOW + 12_345;
    expect(b.optionGreeks(option.conId, t)).toEqual(a.optionGreeks(option.conId, t));
    expect(b.underlyingPrice(option.underConId, t)).toBe(a.underlyingPrice(option.underConId, t));
    expect(c.underlyingPrice(option.underConId, t)).not.toBe(a.underlyingPrice(option.underConId, t));
    // Random access agrees whatever the evaluation order.
    const later = a.underlyingPrice(option.underConId, t + 3_600_000);
    expect(createMarketModel({ seed: 7, portfolio }).underlyingPrice(option.underConId, t + 3_600_000)).toBe(later);
  });

  it('moves like a random walk: small steps, stays near the start price', () => {
    const model = createMarketModel({ seed: 1, portfolio });
    const prices = Array.from({ length: 600 }, (_, i) => model.underlyingPrice(option.underConId, NOW + i * 1000));
    expect(new Set(prices).size).toBeGreaterThan(590);
    for (let i = 1; i < prices.length; i += 1) expect(Math.abs(prices[i] / prices[i - 1] - 1)).toBeLessThan(0.01);
    expect(prices[0]).toBeGreaterThan(190 * 0.6);
    expect(prices[0]).toBeLessThan(190 * 1.6);
  });

  it('matches Black–Scholes at the bucket start, in IBKR units', () => {
    const model = createMarketModel({ seed: 3, portfolio });
    const t = NOW + 4_321;
    const greeks = model.optionGreeks(option.conId, t);
    const at = Math.floor(t / 1000) * 1000;
    const years =
      (Date.UTC(+option.expiry.slice(0, 4), +option.expiry.slice(4, 6) - 1, +option.expiry.slice(6), 21) - at) /
      (365 * 86_400_000);
    const s = greeks.underlyingPrice;
    const sigma = greeks.impliedVol;
    const d1 = (Math.log(s / option.strike) + (0.04 + sigma ** 2 / 2) * years) / (sigma * Math.sqrt(years));
    const expectedDelta = option.right === 'C' ? normalCdf(d1) : normalCdf(d1) - 1;
    expect(greeks.delta).toBeCloseTo(expectedDelta, 10);
    // Finite differences: vega per vol point, theta per day.
    const base = {
      right: option.right,
      underlyingPrice: s,
      strike: option.strike,
      years,
      volatility: sigma,
      rate: 0.04,
      onFuture: false,
    };
    const bumpedVol = valueOption({ ...base, volatility: sigma + 0.0001 }).price;
    expect((bumpedVol - greeks.optionPrice) / 0.01).toBeCloseTo(greeks.vega, 3);
    const dayLater = valueOption({ ...base, years: years - 1 / 365 }).price;
    expect(dayLater - greeks.optionPrice).toBeCloseTo(greeks.theta, 2);
    const up = valueOption({ ...base, underlyingPrice: s + 0.01 });
    expect((up.delta - greeks.delta) / 0.01).toBeCloseTo(greeks.gamma, 3);
  });

  it('applies Greeks behaviours', () => {
    const model = createMarketModel({ seed: 3, portfolio });
    expect(model.greeksDelivery(option.conId, NOW, NOW).kind).toBe('computed');
    model.setGreeksBehaviour(option.conId, { mode: 'delayed', afterSeconds: 5 });
    expect(model.greeksDelivery(option.conId, NOW + 4_000, NOW).kind).toBe('absent');
    expect(model.greeksDelivery(option.conId, NOW + 5_000, NOW).kind).toBe('computed');
    model.setGreeksBehaviour(option.conId, { mode: 'flipping', periodSeconds: 2 });
    const phases = [0, 2000, 4000, 6000].map(
      (dt) => model.greeksDelivery(option.conId, 1_000_000_000_000 + dt, 0).kind,
    );
    expect(phases).toEqual(['computed', 'notComputed', 'computed', 'notComputed']);
    model.setGreeksBehaviour(option.conId, { mode: 'notComputed', sentinel: 'doubleMax' });
    expect(model.greeksDelivery(option.conId, NOW, NOW)).toEqual({ kind: 'notComputed', sentinel: 'doubleMax' });
  });

  it('tracks position changes and values accounts', () => {
    const model = createMarketModel({ seed: 3, portfolio, clock: () => NOW });
    const seen: number[] = [];
    const stop = model.onPositionChange((row) => seen.push(row.quantity));
    model.setPosition(MAIN_ACCOUNT, option.conId, 0);
    stop();
    model.setPosition(MAIN_ACCOUNT, option.conId, 3);
    expect(seen).toEqual([0]);
    expect(model.position(MAIN_ACCOUNT, option.conId)?.quantity).toBe(3);
    const account = model.accountValuation(MAIN_ACCOUNT);
    const sum = model
      .positions(MAIN_ACCOUNT)
      .reduce((total, row) => total + model.positionValuation(row).marketValue, 0);
    expect(account.netLiquidation).toBeCloseTo(250_000 + sum, 6);
    expect(() => model.setPosition('DU0000000', option.conId, 1)).toThrow(/unknown account/);
  });
});
