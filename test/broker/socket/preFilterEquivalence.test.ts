import { createSocketBroker, type SocketBroker } from '../../../src/broker/socket';
import type { BrokerEvent, BrokerSnapshot } from '../../../src/broker/types';
import { startTwsSimulator, type TwsSimulator } from '../../../src/sim/tws';
import { eventually, FAST_SUPERVISION, optionConIds } from './simHarness';

/** A farm status the simulator sends after a round: once a broker reports it, it has decoded the whole round. */
const MARKER_CODE = 2104;

/** Everything a snapshot says about market data, without the times each broker happened to read it at. */
function marketView(snapshot: BrokerSnapshot): unknown {
  const greeks = Object.fromEntries(
    Object.entries(snapshot.greeks).map(([conId, { computedAt, ...rest }]) => [
      conId,
      { ...rest, dated: computedAt > 0 },
    ]),
  );
  const prices = Object.fromEntries(
    Object.entries(snapshot.underlyingPrices).map(([conId, { at: _at, ...rest }]) => [conId, rest]),
  );
  const benchmark = snapshot.benchmark ? { ...snapshot.benchmark, at: undefined } : snapshot.benchmark;
  return {
    connection: snapshot.connection,
    positions: snapshot.positions,
    greeks,
    prices,
    benchmark,
    exchangeRates: snapshot.exchangeRates,
    marketDataType: snapshot.marketDataType,
  };
}

interface Side {
  broker: SocketBroker;
  events: BrokerEvent[];
}

function side(sim: TwsSimulator, clientId: number, ingest: Parameters<typeof createSocketBroker>[1]): Side {
  const broker = createSocketBroker(
    { host: sim.host, port: sim.port, clientId, betaBenchmark: 'SPY', ...FAST_SUPERVISION },
    ingest,
  );
  const events: BrokerEvent[] = [];
  broker.onEvent((event) => events.push(event));
  broker.start();
  return { broker, events };
}

describe('SOCKET adapter pre-filter on the simulated stream', () => {
  let sim: TwsSimulator | undefined;
  const sides: Side[] = [];

  afterEach(async () => {
    for (const s of sides.splice(0)) await s.broker.stop();
    await sim?.close();
  });

  it('gives the same snapshot as the plain library, round after round (real simulator, real client)', async () => {
    // Rounds only when the test publishes one; quote computations alone at first (before any model tick).
    sim = await startTwsSimulator({
      seed: 11,
      settings: { tickIntervalMs: 3_600_000, lineLimit: 1_000, computationTickTypes: [10, 11, 12] },
    });
    const filtered = side(sim, 21, {});
    const plain = side(sim, 22, { preFilter: false, fairShare: false });
    sides.push(filtered, plain);
    await Promise.all(sides.map((s) => s.broker.waitUntilReady(15_000)));

    const roundDecoded = async (what: string) => {
      const since = Date.now();
      sim!.control.publishNow();
      // The model computations go out one turn after the quotes; the marker after both.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      sim!.control.sendStatus({ code: MARKER_CODE });
      await eventually(
        () =>
          sides.every((s) => s.events.some((e) => e.type === 'farm_status' && e.code === MARKER_CODE && e.at >= since)),
        { what },
      );
    };
    const compare = () => {
      const accounts = plain.broker.accounts().sort();
      expect(filtered.broker.accounts().sort()).toEqual(accounts);
      for (const account of accounts) {
        expect(marketView(filtered.broker.snapshot(account))).toEqual(marketView(plain.broker.snapshot(account)));
      }
    };
    const allGreeks = () =>
      sides.every((s) =>
        s.broker.accounts().every((account) => {
          const snapshot = s.broker.snapshot(account);
          const options = optionConIds(snapshot);
          return options.length > 0 && options.every((conId) => snapshot.greeks[conId]?.stale === false);
        }),
      );

    await eventually(allGreeks, { what: 'Greeks from quote computations on every option, both sides' });
    await roundDecoded('a quote-only round');
    compare();

    sim.control.setMarketData({ computationTickTypes: [10, 11, 12, 13] });
    for (let round = 0; round < 3; round++) {
      await roundDecoded(`model round ${round}`);
      compare();
    }
    // One option's computations turn "not computed": both sides keep its last values and call them stale.
    const snapshot = plain.broker.snapshot(plain.broker.accounts()[0]);
    const conId = optionConIds(snapshot)[0];
    sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed', sentinel: 'negative' } });
    await roundDecoded('a round with one option not computed');
    compare();
    expect(plain.broker.snapshot(snapshot.account).greeks[conId].stale).toBe(true);

    const stats = filtered.broker.ingestStats()!;
    // Per option and round: 3 prices, a volume, 3 quote computations once a model tick came; and more.
    expect(stats.dropped).toBeGreaterThan(stats.frames / 2);
    expect(plain.broker.ingestStats()).toBeNull();
  });
});
