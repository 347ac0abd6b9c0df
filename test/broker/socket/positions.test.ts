import type { Position } from '../../../src/broker/types';
import { SMALL_ACCOUNT } from '../../../src/sim/model';
import {
  eventsOf,
  eventually,
  MAIN_ACCOUNT,
  startSimAndBroker,
  waitForFreshGreeks,
  type SimBroker,
} from './simHarness';

function held(positions: readonly Position[]): Record<number, number> {
  return Object.fromEntries(positions.map((p) => [p.conId, p.quantity]));
}

/** What the simulator's model says the account holds, without its quantity-0 rows. */
function modelHoldings(h: SimBroker, account: string): Record<number, number> {
  return Object.fromEntries(
    h.sim.model
      .positions(account)
      .filter((row) => row.quantity !== 0)
      .map((row) => [row.conId, row.quantity]),
  );
}

describe('SOCKET adapter positions (own map keyed by account and conId)', () => {
  let h: SimBroker;

  beforeEach(async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0, 'initial Greeks');
  });

  afterEach(async () => {
    await h.close();
  });

  it('matches the gateway for every account and drops the quantity-0 row of the initial dump', () => {
    for (const account of [MAIN_ACCOUNT, SMALL_ACCOUNT]) {
      expect(held(h.broker.snapshot(account).positions)).toEqual(modelHoldings(h, account));
    }
    const zeroRows = h.sim.model.positions().filter((row) => row.quantity === 0);
    expect(zeroRows.length).toBeGreaterThan(0);
    const all = [...h.broker.snapshot(MAIN_ACCOUNT).positions, ...h.broker.snapshot(SMALL_ACCOUNT).positions];
    for (const row of zeroRows) expect(all.find((p) => p.conId === row.conId)).toBeUndefined();
    expect(h.broker.accounts().sort()).toEqual([MAIN_ACCOUNT, SMALL_ACCOUNT].sort());
  });

  it('keeps every later position when the first one closes (the case that empties IBApiNext)', async () => {
    const first = h.sim.model.positions(MAIN_ACCOUNT).find((row) => row.quantity !== 0)!;
    const before = held(h.broker.snapshot(MAIN_ACCOUNT).positions);
    const linesBefore = h.sim.linesInUse();

    h.sim.control.setPosition({ account: MAIN_ACCOUNT, conId: first.conId, quantity: 0 });

    await eventually(() => held(h.broker.snapshot(MAIN_ACCOUNT).positions)[first.conId] === undefined, {
      what: 'the closed position to disappear',
    });
    const after = held(h.broker.snapshot(MAIN_ACCOUNT).positions);
    const expected = { ...before };
    delete expected[first.conId];
    expect(after).toEqual(expected);
    expect(Object.keys(after).length).toBe(Object.keys(before).length - 1);
    // Its market-data line is given back.
    await eventually(() => h.sim.linesInUse() === linesBefore - 1, { what: 'the line to be cancelled' });
    expect(h.broker.snapshot(MAIN_ACCOUNT).greeks[first.conId]).toBeUndefined();
  });

  it('follows quantity changes and new positions, subscribing new options at once', async () => {
    const rows = h.sim.model.positions(MAIN_ACCOUNT).filter((row) => row.quantity !== 0);
    const changed = rows[3];
    // An option held only by the small account becomes a new main-account position.
    const newcomer = h.sim.model.positions(SMALL_ACCOUNT).find((row) => {
      const contract = h.sim.model.contract(row.conId);
      return contract?.secType === 'OPT' && !rows.some((r) => r.conId === row.conId);
    })!;
    const t0 = Date.now();

    h.sim.control.setPosition({ account: MAIN_ACCOUNT, conId: changed.conId, quantity: changed.quantity + 7 });
    h.sim.control.setPosition({ account: MAIN_ACCOUNT, conId: newcomer.conId, quantity: -2, avgCost: 150 });

    await eventually(() => {
      const now = held(h.broker.snapshot(MAIN_ACCOUNT).positions);
      return now[changed.conId] === changed.quantity + 7 && now[newcomer.conId] === -2;
    });
    expect(held(h.broker.snapshot(MAIN_ACCOUNT).positions)).toEqual(modelHoldings(h, MAIN_ACCOUNT));
    // The small account's own row is untouched: positions are keyed by (account, conId).
    expect(held(h.broker.snapshot(SMALL_ACCOUNT).positions)[newcomer.conId]).toBe(newcomer.quantity);
    await eventually(() => (h.broker.snapshot(MAIN_ACCOUNT).greeks[newcomer.conId]?.computedAt ?? 0) > t0, {
      what: 'Greeks for the new position',
    });
  });

  it('catches up with a close that happened while the socket was down', async () => {
    const victim = h.sim.model.positions(MAIN_ACCOUNT).filter((row) => row.quantity !== 0)[5];
    h.sim.control.setStalled({ stalled: true });
    const t0 = Date.now();
    await eventually(() => eventsOf(h.events, 'stalled', t0).length > 0, { what: 'stall detection' });
    // Changed while no session can see it; it only shows up in the next full dump.
    h.sim.control.setPosition({ account: MAIN_ACCOUNT, conId: victim.conId, quantity: 0 });
    h.sim.control.setStalled({ stalled: false });

    await eventually(() => held(h.broker.snapshot(MAIN_ACCOUNT).positions)[victim.conId] === undefined, {
      what: 'the position closed during the outage to disappear',
    });
    expect(held(h.broker.snapshot(MAIN_ACCOUNT).positions)).toEqual(modelHoldings(h, MAIN_ACCOUNT));
  });
});
