import { aggregateGreeks } from '../../../src/greeks';
import type { AggregatedGreeks } from '../../../src/greeks';
import { eventsOf, eventually, MAIN_ACCOUNT, optionConIds, startSimAndBroker, type SimBroker } from './simHarness';

/** Short turns, so a 42-option portfolio goes round its lines in a few seconds of the simulator's 250 ms ticks. */
const QUICK_TURNS = { minDwellMs: 300, maxDwellMs: 2_000, changesPerSecond: 20 };
const LOCAL_MODEL = { rate: 0.04, maxIvAgeMs: 600_000 };

/**
 * The default simulated accounts hold 41 options on AAPL, MSFT, SPY, QQQ, TSLA and the ES future, and holds AAPL, MSFT,
 * SPY and ES themselves; QQQ and TSLA are only underlyings. With a budget of 10 lines, the six underlyings take six and
 * the options take turns on the other four.
 */
describe('SOCKET adapter beyond its market-data line budget', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A 10-line gateway and budget, once every option has had its first turn. */
  async function startRotating(): Promise<SimBroker> {
    const started = await startSimAndBroker({
      sim: { settings: { lineLimit: 10 } },
      broker: { maxMarketDataLines: 10, lineRotation: QUICK_TURNS },
    });
    await eventually(() => started.broker.marketDataStats().rotation?.neverRefreshed === 0, {
      what: 'every option served at least once',
      timeoutMs: 60_000,
    });
    return started;
  }

  /** Distinct options with a position in some account. */
  function heldOptions(sim: SimBroker): number {
    const held = new Set(
      sim.sim.model
        .positions()
        .filter((r) => r.quantity !== 0)
        .map((r) => r.conId),
    );
    return [...held].filter((c) => ['OPT', 'FOP'].includes(sim.sim.model.contract(c)!.secType)).length;
  }

  function aggregateNow(sim: SimBroker): AggregatedGreeks {
    return aggregateGreeks(sim.broker.snapshot(MAIN_ACCOUNT), {
      now: Date.now(),
      maxAgeMs: 15_000,
      localModel: LOCAL_MODEL,
    });
  }

  it('streams every underlying first and lets the options take turns on the rest, within the gateway limit', async () => {
    h = await startSimAndBroker({
      sim: { settings: { lineLimit: 10 } },
      broker: { maxMarketDataLines: 10, lineRotation: QUICK_TURNS },
    });
    const options = new Set(
      h.sim.model
        .positions()
        .filter((r) => r.quantity !== 0)
        .map((r) => r.conId),
    );
    const optionCount = [...options].filter((c) => ['OPT', 'FOP'].includes(h!.sim.model.contract(c)!.secType)).length;

    const served = await eventually(
      () => {
        const rotation = h!.broker.marketDataStats().rotation;
        return rotation && rotation.neverRefreshed === 0 ? rotation : undefined;
      },
      { what: 'every option served at least once', timeoutMs: 60_000 },
    );
    expect(served).toMatchObject({ options: optionCount, lines: 4 });
    const event = eventsOf(h.events, 'line_budget_exceeded').find((e) => e.details?.rotationLines === 4);
    expect(event?.message).toMatch(
      new RegExp(`^${optionCount} options take turns on 4 market-data lines \\(budget 10`),
    );
    // The gateway never saw more lines than its limit, so it never refused one.
    expect(h.sim.counters().error101 ?? 0).toBe(0);
    expect(h.sim.linesInUse()).toBeLessThanOrEqual(10);

    // QQQ and TSLA are not held; their options' underlying conIds came from contract details, and they stream.
    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    const qqqOption = snapshot.positions.find((p) => p.underlying === 'QQQ' && p.secType === 'OPT')!;
    expect(qqqOption.underlyingConId).toBe(320227571);
    await eventually(() => h!.broker.snapshot(MAIN_ACCOUNT).underlyingPrices[320227571], {
      what: 'a live QQQ price',
    });
  });

  it('covers every option: IB model Greeks while on a line, the local model on IB’s last volatility between turns', async () => {
    h = await startRotating();
    const result = await eventually(
      () => {
        const aggregated = aggregateNow(h!);
        return aggregated.coverage === 1 ? aggregated : undefined;
      },
      { what: 'full coverage' },
    );
    const ibModel = result.sources.ib_model?.positions ?? 0;
    const local = result.sources.local_model?.positions ?? 0;
    expect(local).toBeGreaterThan(ibModel);
    expect(ibModel + local + (result.sources.ib_quote?.positions ?? 0)).toBe(result.coveredOptionCount);

    // Each modelled option's delta against the simulator's own model delta at the same instant. The simulator prices
    // American options as European and uses its own rate; the bridge's model is American: a few hundredths apart.
    const now = Date.now();
    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    const modelled = result.fallbackPositions.filter((p) => p.source === 'local_model');
    expect(modelled.length).toBe(local);
    for (const { conId } of modelled) {
      const position = snapshot.positions.find((p) => p.conId === conId)!;
      const truth = h.sim.model.optionGreeks(conId, now).delta;
      const single = aggregateGreeks(
        { ...snapshot, positions: [position], greeks: { [conId]: snapshot.greeks[conId] } },
        { now, maxAgeMs: 15_000, localModel: LOCAL_MODEL },
      );
      const delta = single.totals.delta / (position.quantity * position.multiplier);
      expect(Math.abs(delta - truth)).toBeLessThan(0.06);
    }
  });

  it('keeps covering every option through a 1101 and a gateway restart, and takes turns again after each', async () => {
    h = await startRotating();
    const covered = (since: number) => {
      const result = aggregateNow(h!);
      return result.coverage === 1 && h!.broker.marketDataStats().rotation!.oldestTurnAgeMs! < Date.now() - since;
    };

    // 1101: the gateway forgot every line. The volatilities stay; the prices and turns come back on fresh ids.
    let since = Date.now();
    const requests = h.sim.counters().reqMktData;
    await h.sim.control.connectivityLost({ restoreAfterMs: 300, outcome: 'lost' });
    await eventually(() => covered(since), { what: 'coverage after 1101', timeoutMs: 30_000 });
    expect(h.sim.counters().reqMktData - requests).toBeGreaterThan(10);

    // A gateway restart: a new connection, the lines asked for afresh, within the gateway's limit.
    since = Date.now();
    await h.sim.control.nightlyReset({ refuseForMs: 300 });
    await eventually(() => h!.broker.state() === 'ready' && covered(since), {
      what: 'coverage after the restart',
      timeoutMs: 30_000,
    });
    expect(h.sim.counters().error101 ?? 0).toBe(0);
    expect(h.sim.linesInUse()).toBeLessThanOrEqual(10);
  });

  it('gives every option its own line again once the positions fit the budget', async () => {
    h = await startSimAndBroker({
      sim: { settings: { lineLimit: 100 } },
      broker: { maxMarketDataLines: 40, lineRotation: QUICK_TURNS },
    });
    await eventually(() => h!.broker.marketDataStats().rotation !== null, { what: 'rotation' });
    // Close eight options: 34 options and four held prices fit in 40 lines.
    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    const closing = optionConIds(snapshot).slice(0, 8);
    for (const conId of closing) h.sim.model.setPosition(MAIN_ACCOUNT, conId, 0);
    await eventually(() => h!.broker.marketDataStats().rotation === null, { what: 'rotation ended' });
    await eventually(
      () => {
        const aggregated = aggregateNow(h!);
        return aggregated.coverage === 1 && aggregated.sources.ib_model?.positions === aggregated.optionCount;
      },
      { what: 'IB model Greeks for every option' },
    );
    // QQQ and TSLA streamed only for the rotation: their lines are given back.
    await eventually(() => h!.sim.linesInUse() === h!.broker.marketDataStats().linesInUse, { what: 'lines agree' });
    expect(h.broker.snapshot(MAIN_ACCOUNT).underlyingPrices[320227571]).toBeUndefined();
  });

  it('says so when the price lines leave no line for any option', async () => {
    h = await startSimAndBroker({ broker: { maxMarketDataLines: 5, lineRotation: QUICK_TURNS } });
    const event = await eventually(
      () => eventsOf(h!.events, 'line_budget_exceeded').find((e) => e.details?.rotationLines === 0),
      { what: 'a budget event' },
    );
    expect(event.message).toMatch(new RegExp(`^no market-data line is left for ${heldOptions(h)} options`));
    await eventually(() => h!.sim.linesInUse() === 5, { what: 'five price lines' });
    expect(aggregateNow(h).coverage).toBe(0);
  });
});
