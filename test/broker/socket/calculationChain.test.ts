import { aggregateGreeks } from '../../../src/greeks';
import { STRICT_GREEKS_SOURCES } from '../../../src/greeks/sources';
import type { BrokerSnapshot } from '../../../src/broker/types';
import { eventually, MAIN_ACCOUNT, startSimAndBroker, waitForFreshGreeks, type SimBroker } from './simHarness';

const LOCAL_MODEL = { rate: 0.04, maxIvAgeMs: 600_000 };

/** An AAPL call of the main account: its underlying streams on a price line of its own (the account holds AAPL). */
function aaplCall(snapshot: BrokerSnapshot): number {
  return snapshot.positions.find((p) => p.secType === 'OPT' && p.underlying === 'AAPL' && p.right === 'C')!.conId;
}

/**
 * The link between IB's streamed Greeks and the bridge's own model: when IB's stream stops computing an option (its
 * model ticks carry "not computed"), the adapter asks IB's calculateOptionPrice at the option's last implied
 * volatility and the underlying's live price, and serves IB's answer as `ib_calculation`.
 */
describe('SOCKET adapter: IB calculations stand in for a stopped model stream', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('serves IB’s calculation, which strict mode accepts as IB’s own value', async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0);
    const conId = aaplCall(h.broker.snapshot(MAIN_ACCOUNT));
    h.sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed', sentinel: 'negative' } });

    const greeks = await eventually(
      () => {
        const value = h!.broker.snapshot(MAIN_ACCOUNT).greeks[conId];
        return value?.source === 'ib_calculation' && !value.stale ? value : undefined;
      },
      { what: 'an ib_calculation value' },
    );
    // The simulator answers from its own model at the given volatility and price: the streamed model's values.
    const truth = h.sim.model.optionGreeks(conId, greeks.computedAt);
    expect(Math.abs((greeks.delta as number) - truth.delta)).toBeLessThan(0.02);
    expect(greeks.ivAt).toBeLessThan(greeks.computedAt);
    expect(h.broker.calculationStats().answered).toBeGreaterThan(0);

    const strict = aggregateGreeks(h.broker.snapshot(MAIN_ACCOUNT), {
      now: Date.now(),
      maxAgeMs: 15_000,
      allowedSources: STRICT_GREEKS_SOURCES,
    });
    expect(strict.excluded.map((e) => e.conId)).not.toContain(conId);
    expect(strict.sources.ib_calculation?.positions).toBe(1);
    expect(strict.fallbackPositions).toEqual([expect.objectContaining({ conId, source: 'ib_calculation' })]);
  });

  it('falls to the local model when IB refuses the calculation, and strict mode then leaves the option out', async () => {
    h = await startSimAndBroker({ sim: { settings: { calculationRefusalCode: 10090 } } });
    await waitForFreshGreeks(h, 0);
    const conId = aaplCall(h.broker.snapshot(MAIN_ACCOUNT));
    h.sim.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed', sentinel: 'negative' } });
    await eventually(() => h!.broker.calculationStats().refused > 0, { what: 'a refused calculation' });

    const withModel = aggregateGreeks(h.broker.snapshot(MAIN_ACCOUNT), {
      now: Date.now(),
      maxAgeMs: 15_000,
      localModel: LOCAL_MODEL,
    });
    expect(withModel.fallbackPositions).toEqual([expect.objectContaining({ conId, source: 'local_model' })]);
    const strict = aggregateGreeks(h.broker.snapshot(MAIN_ACCOUNT), {
      now: Date.now(),
      maxAgeMs: 15_000,
      allowedSources: STRICT_GREEKS_SOURCES,
      localModel: LOCAL_MODEL,
    });
    expect(strict.excluded).toEqual([expect.objectContaining({ conId, reason: 'stale' })]);
  });
});
