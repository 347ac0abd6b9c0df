import { aggregateGreeks } from '../../../src/greeks';
import { defaultPortfolioFile, parsePortfolio } from '../../../src/sim/model';
import {
  eventsOf,
  eventually,
  MAIN_ACCOUNT,
  optionConIds,
  startSimAndBroker,
  waitForFreshGreeks,
  type SimBroker,
} from './simHarness';

const GREEK_KEYS = ['delta', 'gamma', 'vega', 'theta'] as const;

/** The snapshot's Greeks for conId equal the model values the simulator last sent for it. */
function matchesLastSent(h: SimBroker, conId: number): boolean {
  const sent = h.sim.lastSentGreeks(conId)?.greeks;
  const got = h.broker.snapshot(MAIN_ACCOUNT).greeks[conId];
  if (!sent || !got || got.stale) return false;
  return GREEK_KEYS.every((key) => Math.abs((got[key] as number) - sent[key]) <= 1e-9);
}

describe('SOCKET adapter market data', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('resolves futures and futures options through contract details and records the type with each Greek', async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0);
    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    const fop = snapshot.positions.find((p) => p.secType === 'FOP')!;
    expect(fop).toMatchObject({ multiplier: 50, underlying: 'ES' });
    const contract = h.sim.model.contract(fop.conId);
    expect(fop.underlyingConId).toBe(contract && 'underConId' in contract ? contract.underConId : NaN);
    await eventually(() => matchesLastSent(h!, fop.conId), { what: 'FOP Greeks equal to the model' });
    // Only FUT and FOP need a lookup (SMART is invalid for them); equity options and stocks do not.
    const lookups = h.sim.counters().reqContractDetails;
    const needing = h.sim.model.contracts().filter((c) => c.secType === 'FUT' || c.secType === 'FOP');
    const held = new Set(
      h.sim.model
        .positions()
        .filter((r) => r.quantity !== 0)
        .map((r) => r.conId),
    );
    expect(lookups).toBe(needing.filter((c) => held.has(c.conId)).length);
    for (const conId of optionConIds(snapshot)) expect(snapshot.greeks[conId].marketDataType).toBe('live');
    expect(snapshot.marketDataType).toBe('live');
  });

  it('falls back to delayed data when live is not permitted (354) and says so in every Greek', async () => {
    h = await startSimAndBroker({ sim: { settings: { liveEntitled: false } } });
    await waitForFreshGreeks(h, 0, 'delayed Greeks');
    const fallbacks = eventsOf(h.events, 'market_data_type_fallback');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatchObject({ code: 354, details: { from: 'live', to: 'delayed' } });

    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.marketDataType).toBe('delayed');
    for (const conId of optionConIds(snapshot)) expect(snapshot.greeks[conId].marketDataType).toBe('delayed');
    const conId = optionConIds(snapshot)[0];
    await eventually(() => matchesLastSent(h!, conId), { what: 'delayed Greeks equal to the model' });
    expect(h.sim.lastSentGreeks(conId)?.tickType).toBe(83);
    expect(aggregateGreeks(h.broker.snapshot(MAIN_ACCOUNT), { now: Date.now(), maxAgeMs: 15_000 }).marketDataType).toBe(
      'delayed',
    );
  });

  it('never asks for futures-option data on an empty exchange: without one it reports the position instead', async () => {
    const now = Date.now();
    const file = defaultPortfolioFile(now);
    // Contract details of this FOP carry no exchange at all, so the adapter cannot learn where it is listed.
    for (const contract of file.contracts) if (contract.secType === 'FOP') contract.exchange = '';
    h = await startSimAndBroker({ sim: { portfolio: parsePortfolio(file, now) } });
    const fop = h.sim.model.contracts().find((c) => c.secType === 'FOP')!;
    const reported = await eventually(() => eventsOf(h!.events, 'error').find((e) => e.details?.conId === fop.conId), {
      what: 'an error naming the FOP',
    });
    expect(reported.message).toMatch(new RegExp(`${fop.localSymbol} \\(conId ${fop.conId}\\): no listing exchange`));
    expect(h.broker.marketDataStats().failed).toContain(fop.conId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The gateway never saw a request for it: no refusal (321) came back.
    expect(eventsOf(h.events, 'error').filter((e) => e.code === 321)).toEqual([]);
    expect(h.broker.snapshot(MAIN_ACCOUNT).greeks[fop.conId]).toBeUndefined();
  });

  it('asks again for lines whose requests the gateway dropped for pacing (error 100 names no request)', async () => {
    // A gateway that counts 10 messages a second: most of the start-up requests are refused and dropped.
    h = await startSimAndBroker({ sim: { settings: { pacingLimit: 10 } }, broker: { silentLineMs: 1_000 } });
    await eventually(() => (h!.sim.counters().pacingViolations ?? 0) > 0, { what: 'pacing violations' });
    await eventually(() => h!.broker.marketDataStats().linesInUse > h!.sim.linesInUse(), {
      what: 'lines the adapter holds but the gateway dropped',
    });
    // The gateway's budget back to IBKR's 50 a second: the silent lines are asked again and all stream.
    h.sim.control.setPacing({ limit: 50 });
    await waitForFreshGreeks(h, 0, 'every option streaming');
    const askedAgain = eventsOf(h.events, 'error').filter((e) => /after its request .*; asked again$/.test(e.message));
    expect(askedAgain.length).toBeGreaterThan(0);
    expect(h.sim.linesInUse()).toBe(h.broker.marketDataStats().linesInUse);
  });

  it("streams a futures option's underlying when IB's computations leave its price out", async () => {
    h = await startSimAndBroker({ sim: { settings: { fopWithoutUnderlyingPrice: true } }, start: false });
    const fop = h.sim.model.contracts().find((c) => c.secType === 'FOP')!;
    const future = h.sim.model.contracts().find((c) => c.secType === 'FUT')!;
    // Nobody holds the future, so without a line of its own no price for it would stream.
    for (const row of h.sim.model.positions()) {
      if (row.conId === future.conId) h.sim.model.setPosition(row.account, row.conId, 0);
    }
    const holder = h.sim.model.positions().find((r) => r.conId === fop.conId && r.quantity !== 0)!.account;
    h.broker.start();
    await h.broker.waitUntilReady(15_000);

    const snapshot = await eventually(
      () => {
        const taken = h!.broker.snapshot(holder);
        return taken.greeks[fop.conId]?.delta != null && taken.underlyingPrices[future.conId] ? taken : undefined;
      },
      { what: "the FOP's Greeks and the future's price" },
    );
    expect(snapshot.greeks[fop.conId].underlyingPrice).toBeNull();
    const result = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 15_000 });
    expect(result.excluded.map((e) => e.conId)).not.toContain(fop.conId);
    expect(result.byUnderlying.find((b) => b.underlying === fop.symbol)?.underlyingPrice).toBe(
      snapshot.underlyingPrices[future.conId].price,
    );
  });

  it('stands in with quote-implied Greeks until the model tick, and a quote implying no volatility does not stale them', async () => {
    const now = Date.now();
    const file = defaultPortfolioFile(now);
    // A deep in-the-money AAPL call: its bid (1 % under the price) is below intrinsic value, so no volatility
    // reproduces it and TWS sends the bid computation as "not computed"; the ask still implies one.
    file.contracts.push({
      conId: 709999,
      symbol: 'AAPL',
      localSymbol: 'AAPL  DEEP C100',
      secType: 'OPT',
      right: 'C',
      strike: 100,
      expiry: '+37d',
      multiplier: 100,
      underConId: 265598,
    });
    file.positions.push({ account: MAIN_ACCOUNT, conId: 709999, quantity: 1, avgCost: 9_000 });
    // Quote computations only, ask first, then bid: TWS sends them as the quotes change, in no fixed order, and the
    // model tick can be late; here it never comes, so the stand-in path is all there is.
    h = await startSimAndBroker({
      sim: { portfolio: parsePortfolio(file, now), settings: { computationTickTypes: [11, 10] } },
    });
    const standIn = await eventually(
      () => {
        const greeks = h!.broker.snapshot(MAIN_ACCOUNT).greeks[709999];
        return greeks && !greeks.stale && greeks.computedAt > 0 ? greeks : undefined;
      },
      { what: 'current stand-in Greeks for the deep call' },
    );
    // Deep in the money: delta near 1, from the ask's implied volatility (no tick 13 is ever sent here).
    expect(standIn.delta).toBeGreaterThan(0.95);
    expect(h.sim.lastSentGreeks(709999)).toBeUndefined();
    const start = standIn.computedAt;
    await eventually(() => h!.broker.snapshot(MAIN_ACCOUNT).greeks[709999].computedAt > start + 500, {
      what: 'later stand-in values',
    });
    expect(h.broker.snapshot(MAIN_ACCOUNT).greeks[709999].stale).toBe(false);
  });

  it("takes the gateway's own line limit (101) as the budget, lets the options take turns within it, and tries the full budget again later", async () => {
    h = await startSimAndBroker({
      sim: { settings: { lineLimit: 20 } },
      broker: { lineRotation: { budgetRetryMs: 3_000 } },
    });
    const refused = await eventually(() => eventsOf(h!.events, 'line_budget_exceeded').find((e) => e.code === 101), {
      what: 'a 101 budget event',
    });
    expect(refused.details).toHaveProperty('conId');
    expect(refused.message).toMatch(/the lines it granted are the budget until the full one is tried again$/);
    // The six underlyings (four held, QQQ and TSLA not) stream; the options share the other fourteen lines.
    const rotation = await eventually(
      () => {
        const stats = h!.broker.marketDataStats();
        return stats.rotation?.lines === 14 && stats.rotation.neverRefreshed === 0 ? stats.rotation : undefined;
      },
      { what: 'every option served on 14 lines', timeoutMs: 60_000 },
    );
    expect(rotation.options).toBeGreaterThan(14);
    const announced = eventsOf(h.events, 'line_budget_exceeded').find((e) => e.details?.rotationLines === 14);
    expect(announced?.message).toMatch(/options take turns on 14 market-data lines \(budget 20,/);
    expect(h.sim.linesInUse()).toBeLessThanOrEqual(20);
    expect(h.broker.marketDataStats().overBudget).toEqual([]);

    // The refusal was not for good (say the gateway was still counting another session's lines): the full budget is
    // tried again, the options get a line each, and the unheld underlyings' lines are given back.
    h.sim.control.setMarketData({ lineLimit: 100 });
    await eventually(
      () =>
        h!.broker.marketDataStats().rotation === null && h!.sim.linesInUse() === h!.broker.marketDataStats().linesInUse,
      { what: 'one line per option again', timeoutMs: 30_000 },
    );
    await waitForFreshGreeks(h, Date.now());
  });

  it('a "not computed" tick never overwrites a good value: it keeps it and marks it stale', async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0);
    const conId = optionConIds(h.broker.snapshot(MAIN_ACCOUNT))[2];
    await eventually(() => matchesLastSent(h!, conId), { what: 'good Greeks' });

    for (const sentinel of ['negative', 'doubleMax'] as const) {
      h.sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed', sentinel } });
      const stale = await eventually(
        () => {
          const greeks = h!.broker.snapshot(MAIN_ACCOUNT).greeks[conId];
          return greeks?.stale ? greeks : undefined;
        },
        { what: `stale after ${sentinel} sentinels` },
      );
      expect(h.sim.lastSentGreeks(conId)?.kind).toBe('notComputed');
      for (const key of GREEK_KEYS) expect(Number.isFinite(stale[key])).toBe(true);
      const result = aggregateGreeks(h.broker.snapshot(MAIN_ACCOUNT), { now: Date.now(), maxAgeMs: 15_000 });
      expect(result.excluded).toContainEqual(expect.objectContaining({ conId, reason: 'stale' }));

      h.sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'computed' } });
      await eventually(() => matchesLastSent(h!, conId), { what: 'fresh Greeks once computed again' });
    }
  });

  it('an option that was never computed is listed as not computed, not counted as zero', async () => {
    h = await startSimAndBroker({ start: false });
    const conId = h.sim.model.positions(MAIN_ACCOUNT).find((r) => r.quantity !== 0 && r.conId >= 700_000)!.conId;
    h.sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed', sentinel: 'negative' } });
    h.broker.start();
    await h.broker.waitUntilReady(15_000);
    const result = await eventually(
      () => {
        const aggregated = aggregateGreeks(h!.broker.snapshot(MAIN_ACCOUNT), { now: Date.now(), maxAgeMs: 15_000 });
        return aggregated.coveredOptionCount === aggregated.optionCount - 1 ? aggregated : undefined;
      },
      { what: 'all other options covered' },
    );
    expect(result.excluded).toEqual([expect.objectContaining({ conId, reason: 'not_computed' })]);
  });

  it('paces its start-up burst under the gateway limit of 50 messages per second', async () => {
    h = await startSimAndBroker({ sim: { settings: { pacingLimit: 50, pacingDisconnect: true } } });
    await waitForFreshGreeks(h, 0);
    expect(h.sim.counters().pacingViolations ?? 0).toBe(0);
    expect(h.sim.counters().connections).toBe(1);
    expect(eventsOf(h.events, 'pacing')).toEqual([]);
  });
});
