import { snapshotForCycle } from '../../../src/activities/availability';
import { aggregateGreeks } from '../../../src/greeks';
import { MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

const ES_FUTURE_CONID = 495512563;

function reasonOf(pair: PortalPair, account = MAIN_ACCOUNT): string {
  const taken = snapshotForCycle(pair.broker, account);
  return 'unavailable' in taken ? taken.unavailable.reason : 'snapshot';
}

describe('PORTAL adapter: multipliers, complete position lists, managed accounts (real HTTPS)', () => {
  let pair: PortalPair | undefined;

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('fills a null multiplier from the contract info endpoint, else leaves it unknown and excluded', async () => {
    const probe = await startPortalPair({ start: false });
    const option = probe.fake.control.model
      .positions(MAIN_ACCOUNT)
      .find((row) => row.quantity !== 0 && probe.fake.control.model.contract(row.conId)?.secType === 'OPT')!;
    await probe.close();
    pair = await startPortalPair({
      fake: {
        api: { nullMultiplierConIds: [ES_FUTURE_CONID, option.conId], contractInfoRefusedConIds: [option.conId] },
      },
      broker: { account: MAIN_ACCOUNT },
    });
    await pair.broker.waitUntilReady(30_000);
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.positionsComplete).toBe(true);
    // Both positions are there (a null multiplier no longer drops the row): the future with the multiplier from
    // its contract info, the option with none.
    expect(snapshot.positions.find((p) => p.conId === ES_FUTURE_CONID)?.multiplier).toBe(50);
    expect(snapshot.positions.find((p) => p.conId === option.conId)?.multiplier).toBe(0);
    expect(pair.fake.control.requests(`/iserver/contract/${ES_FUTURE_CONID}/info`)).toHaveLength(1);
    const aggregated = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 15_000 });
    expect(aggregated.excluded).toContainEqual(
      expect.objectContaining({ conId: option.conId, reason: 'unknown_multiplier', excludedFrom: 'all' }),
    );
    expect(aggregated.excluded.find((e) => e.conId === ES_FUTURE_CONID)).toBeUndefined();
  });

  it('takes no snapshot until every page is read after the session starts', async () => {
    pair = await startPortalPair({ start: false, broker: { account: MAIN_ACCOUNT } });
    pair.broker.start();
    expect(pair.broker.snapshot(MAIN_ACCOUNT).positionsComplete).toBe(false);
    await pair.broker.waitUntilReady(30_000);
    expect(reasonOf(pair)).toBe('snapshot');
  });

  it('reports an account the login does not manage once, with the accounts it does', async () => {
    pair = await startPortalPair({
      fake: { api: { managedAccounts: [SMALL_ACCOUNT] } },
      broker: { account: MAIN_ACCOUNT },
    });
    await waitFor(() => pair!.eventsOf('account_not_managed').length > 0, 'account_not_managed');
    expect(reasonOf(pair)).toBe('account_not_managed');
    // The adapter keeps retrying; the event is not repeated.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(pair.eventsOf('account_not_managed')).toHaveLength(1);
    expect(pair.eventsOf('account_not_managed')[0].message).toContain(`[${SMALL_ACCOUNT}]`);
  });
});
