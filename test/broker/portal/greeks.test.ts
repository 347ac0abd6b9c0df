import type { OptionGreeks } from '../../../src/broker/types';
import { MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../../src/sim/model';
import { manualClock, startPortalPair, waitFor, type PortalPair } from './portalHarness';

/** Relative closeness: the fake sends 8 significant digits, like the gateway's decimal strings. */
function expectClose(actual: number | null, expected: number, label: string): void {
  if (actual === null) throw new Error(`${label}: missing, expected ${expected}`);
  const tolerance = Math.max(Math.abs(expected) * 1e-6, 1e-12);
  if (Math.abs(actual - expected) > tolerance) throw new Error(`${label}: got ${actual}, model says ${expected}`);
}

describe('PORTAL Greeks over HTTPS', () => {
  // A frozen market clock: the model's prices stay put, so the adapter's values can be compared with it exactly.
  const clock = manualClock(Date.UTC(2026, 2, 10, 15, 0, 0));
  let pair: PortalPair;

  beforeAll(async () => {
    pair = await startPortalPair({ fake: { clock: clock.now }, broker: { clock: clock.now } });
    await pair.broker.waitUntilReady(30_000);
  });
  afterAll(() => pair.close());

  it('equals the model for every option position, with 7310 as theta and 7311 as vega', () => {
    const model = pair.fake.control.model;
    let compared = 0;
    for (const account of [MAIN_ACCOUNT, SMALL_ACCOUNT]) {
      const snapshot = pair.broker.snapshot(account);
      expect(snapshot.connection).toBe('ready');
      const options = snapshot.positions.filter((position) => position.secType === 'OPT' || position.secType === 'FOP');
      expect(options.length).toBeGreaterThan(0);
      for (const position of options) {
        const expected = model.optionGreeks(position.conId);
        const greeks: OptionGreeks | undefined = snapshot.greeks[position.conId];
        if (!greeks) throw new Error(`no Greeks for ${position.localSymbol}`);
        const label = `${position.localSymbol} (${position.conId})`;
        // Theta and vega differ by far more than the tolerance, so reading 7310/7311 swapped fails here.
        expect(Math.abs(expected.theta - expected.vega)).toBeGreaterThan(1e-4);
        expectClose(greeks.theta, expected.theta, `${label} theta`);
        expectClose(greeks.vega, expected.vega, `${label} vega`);
        expectClose(greeks.delta, expected.delta, `${label} delta`);
        expectClose(greeks.gamma, expected.gamma, `${label} gamma`);
        expectClose(greeks.impliedVol, expected.impliedVol, `${label} implied vol (fraction)`);
        expectClose(greeks.optionPrice, expected.optionPrice, `${label} option price`);
        expectClose(greeks.underlyingPrice, expected.underlyingPrice, `${label} underlying price`);
        expect(greeks.marketDataType).toBe('live');
        expect(greeks.stale).toBe(false);
        compared += 1;
      }
    }
    expect(compared).toBe(model.positions().filter((row) => row.quantity !== 0 && isOptionConId(row.conId)).length);
    function isOptionConId(conId: number): boolean {
      const contract = model.contract(conId);
      return contract?.secType === 'OPT' || contract?.secType === 'FOP';
    }
  });

  it('reports positions like the model: quantities, multipliers, no zero rows', () => {
    const model = pair.fake.control.model;
    for (const account of [MAIN_ACCOUNT, SMALL_ACCOUNT]) {
      const positions = pair.broker.snapshot(account).positions;
      const expected = model.positions(account).filter((row) => row.quantity !== 0);
      expect(positions.map((position) => [position.conId, position.quantity, position.multiplier]).sort()).toEqual(
        expected.map((row) => [row.conId, row.quantity, model.contract(row.conId)?.multiplier]).sort(),
      );
    }
    expect(model.positions(MAIN_ACCOUNT).some((row) => row.quantity === 0)).toBe(true);
  });

  it('marks Greeks the gateway never sends as missing, never as 0', async () => {
    const model = pair.fake.control.model;
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    const victim = snapshot.positions.find((position) => position.secType === 'OPT')!;
    model.setGreeksBehaviour(victim.conId, { mode: 'never' });
    try {
      // The last good values are kept but flagged stale once the keys stop arriving.
      await waitFor(
        () => pair.broker.snapshot(MAIN_ACCOUNT).greeks[victim.conId]?.stale,
        'stale flag on vanished Greeks',
      );
      const kept = pair.broker.snapshot(MAIN_ACCOUNT).greeks[victim.conId];
      expectClose(kept.delta, model.optionGreeks(victim.conId).delta, 'kept delta');
    } finally {
      model.setGreeksBehaviour(victim.conId, { mode: 'computed' });
    }
  });

  it('keeps an option whose Greeks never arrived out of the Greeks map (not zeros)', async () => {
    const model = pair.fake.control.model;
    const extra = model
      .contracts()
      .find(
        (contract) =>
          contract.secType === 'OPT' &&
          !model.positions().some((row) => row.conId === contract.conId && row.quantity !== 0),
      );
    if (!extra) throw new Error('the default portfolio has a closed option to reopen');
    model.setGreeksBehaviour(extra.conId, { mode: 'never' });
    model.setPosition(MAIN_ACCOUNT, extra.conId, 3);
    await waitFor(
      () => pair.broker.snapshot(MAIN_ACCOUNT).positions.some((position) => position.conId === extra.conId),
      'reopened position',
    );
    await waitFor(() => pair.fake.control.subscribedConIds().includes(extra.conId), 'its market-data stream');
    // Several polls past the pre-flight: prices arrive for it, Greeks never do.
    const polls = pair.fake.control.requests('/iserver/marketdata/snapshot').length;
    await waitFor(
      () => pair.fake.control.requests('/iserver/marketdata/snapshot').length >= polls + 3,
      'three more polls',
    );
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.greeks[extra.conId]).toBeUndefined();
    model.setPosition(MAIN_ACCOUNT, extra.conId, 0);
  });

  it('records the 6509 availability per value and parses C-prefixed frozen prices', async () => {
    pair.fake.control.setAvailability('Z');
    try {
      const snapshot = await waitFor(() => {
        const current = pair.broker.snapshot(MAIN_ACCOUNT);
        const values = Object.values(current.greeks);
        return values.length > 0 && values.every((greeks) => greeks.marketDataType === 'frozen') ? current : undefined;
      }, 'frozen availability on every option');
      expect(snapshot.marketDataType).toBe('frozen');
      const quote = Object.values(snapshot.underlyingPrices)[0];
      expect(quote.marketDataType).toBe('frozen');
      expectClose(quote.price, pair.fake.control.model.markPrice(quote.conId), 'C-prefixed last price');
    } finally {
      pair.fake.control.setAvailability('R');
    }
    await waitFor(() => pair.broker.snapshot(MAIN_ACCOUNT).marketDataType === 'live', 'live again');
  });

  it('rejects an unparseable value with a clear reason and treats it as missing', async () => {
    const snapshot = pair.broker.snapshot(SMALL_ACCOUNT);
    const option = snapshot.positions.find((position) => position.secType === 'OPT')!;
    pair.fake.control.setFieldOverrides(option.conId, { '7310': '1.2.3', '7311': '12abc' });
    try {
      const event = await waitFor(
        () => pair.events.find((candidate) => candidate.type === 'bad_input' && candidate.details?.field === '7310'),
        'bad_input event for 7310',
      );
      expect(event.message).toContain('not a number: "1.2.3"');
      expect(event.details?.conId).toBe(option.conId);
      await waitFor(() => pair.broker.snapshot(SMALL_ACCOUNT).greeks[option.conId]?.stale, 'stale after bad values');
      expect(pair.eventsOf('bad_input').filter((candidate) => candidate.details?.field === '7311')).toHaveLength(1);
    } finally {
      pair.fake.control.setFieldOverrides(option.conId, null);
    }
  });
});
