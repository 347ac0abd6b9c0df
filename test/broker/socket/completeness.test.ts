import { snapshotForCycle } from '../../../src/activities/availability';
import { aggregateGreeks } from '../../../src/greeks';
import { SMALL_ACCOUNT } from '../../../src/sim/model';
import {
  eventsOf,
  eventually,
  MAIN_ACCOUNT,
  startSimAndBroker,
  waitForFreshGreeks,
  type SimBroker,
} from './simHarness';

const ES_FUTURE_CONID = 495512563;
const POSITION_END_DELAY_MS = 1_500;

function reasonOf(h: SimBroker, account = MAIN_ACCOUNT): string {
  const taken = snapshotForCycle(h.broker, account);
  return 'unavailable' in taken ? taken.unavailable.reason : 'snapshot';
}

describe('SOCKET adapter: a snapshot only from a complete position list of a managed account', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is positions_loading from ready until positionEnd, after every reconnect and after 1101', async () => {
    h = await startSimAndBroker({ sim: { settings: { positionEndDelayMs: POSITION_END_DELAY_MS } } });
    // Ready at nextValidId: the dump has not ended, so no snapshot may be taken (it would be a row of zeros).
    expect(h.broker.snapshot(MAIN_ACCOUNT).positionsComplete).toBe(false);
    expect(reasonOf(h)).toBe('positions_loading');
    await eventually(() => h!.broker.snapshot(MAIN_ACCOUNT).positionsComplete, { what: 'positionEnd' });
    expect(reasonOf(h)).toBe('snapshot');
    expect(h.broker.snapshot(MAIN_ACCOUNT).positions.length).toBeGreaterThan(0);

    // A reconnect: the old picture is still served, but it is not the current session's.
    h.sim.control.dropConnections({ mode: 'rst' });
    await eventually(() => eventsOf(h!.events, 'disconnected').length > 0, { what: 'disconnect' });
    await h.broker.waitUntilReady(15_000);
    expect(reasonOf(h)).toBe('positions_loading');
    await eventually(() => reasonOf(h!) === 'snapshot', { what: 'positionEnd after the reconnect' });

    // 1101: TWS forgot every subscription; the adapter asks for positions again and waits for their end.
    const outage = h.sim.control.connectivityLost({ restoreAfterMs: 0, outcome: 'lost' });
    await outage;
    await eventually(() => eventsOf(h!.events, 'status_1101').length > 0, { what: '1101' });
    expect(reasonOf(h)).toBe('positions_loading');
    await eventually(() => reasonOf(h!) === 'snapshot', { what: 'positionEnd after 1101' });
  });

  it('gives an account with no positions a snapshot of zeros once its list is complete', async () => {
    h = await startSimAndBroker({ sim: { settings: { positionEndDelayMs: POSITION_END_DELAY_MS } } });
    for (const row of h.sim.model.positions(SMALL_ACCOUNT)) {
      h.sim.control.setPosition({ account: SMALL_ACCOUNT, conId: row.conId, quantity: 0 });
    }
    expect(reasonOf(h, SMALL_ACCOUNT)).toBe('positions_loading');
    await eventually(() => reasonOf(h!, SMALL_ACCOUNT) === 'snapshot', { what: 'positionEnd' });
    const taken = snapshotForCycle(h.broker, SMALL_ACCOUNT);
    if (!('snapshot' in taken)) throw new Error('expected a snapshot');
    const aggregated = aggregateGreeks(taken.snapshot, { now: Date.now(), maxAgeMs: 15_000 });
    expect(aggregated).toMatchObject({ positionCount: 0, coverage: 1, totals: { delta: 0, dollarDelta: 0 } });
  });

  it('reports an account the login does not manage once, and never takes its snapshot', async () => {
    h = await startSimAndBroker({
      sim: { settings: { managedAccounts: [SMALL_ACCOUNT] } },
      broker: { account: MAIN_ACCOUNT },
    });
    await eventually(() => eventsOf(h!.events, 'account_not_managed').length === 1, { what: 'the event' });
    const taken = snapshotForCycle(h.broker, MAIN_ACCOUNT);
    expect(taken).toEqual({
      unavailable: {
        reason: 'account_not_managed',
        humanAction: true,
        message: expect.stringContaining(`account ${MAIN_ACCOUNT} is not among the accounts this login manages`),
      },
    });
    expect('unavailable' in taken && taken.unavailable.message).toContain(`set IB_ACCOUNT to one of them`);
    expect(eventsOf(h.events, 'account_not_managed')[0]).toMatchObject({
      account: MAIN_ACCOUNT,
      details: { managedAccounts: [SMALL_ACCOUNT] },
    });

    // Every new session announces the same accounts: still one event.
    h.sim.control.dropConnections({ mode: 'rst' });
    await eventually(() => eventsOf(h!.events, 'ready').length >= 2, { what: 'the next session' });
    await eventually(() => reasonOf(h!, SMALL_ACCOUNT) === 'snapshot', { what: 'the managed account' });
    expect(eventsOf(h.events, 'account_not_managed')).toHaveLength(1);
    expect(reasonOf(h)).toBe('account_not_managed');
  });

  it('fills an empty futures multiplier from contract details and excludes an option whose lookup fails', async () => {
    const plain = await startSimAndBroker();
    const option = plain.sim.model
      .positions(MAIN_ACCOUNT)
      .find((row) => row.quantity !== 0 && plain.sim.model.contract(row.conId)?.secType === 'OPT')!;
    await plain.close();
    h = await startSimAndBroker({
      sim: {
        settings: {
          emptyMultiplierConIds: [ES_FUTURE_CONID, option.conId],
          contractDetailsRefusedConIds: [option.conId],
        },
      },
    });
    await waitForFreshGreeks(h, 0);
    await eventually(
      () => h!.broker.snapshot(MAIN_ACCOUNT).positions.find((p) => p.conId === ES_FUTURE_CONID)?.multiplier === 50,
      { what: 'the future multiplier from contract details' },
    );
    const snapshot = h.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.positions.find((p) => p.conId === option.conId)?.multiplier).toBe(0);
    const aggregated = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 15_000 });
    expect(aggregated.excluded).toContainEqual(
      expect.objectContaining({ conId: option.conId, reason: 'unknown_multiplier', excludedFrom: 'all' }),
    );
    expect(aggregated.excluded.find((e) => e.conId === ES_FUTURE_CONID)).toBeUndefined();
  });
});
