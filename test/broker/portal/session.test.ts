import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

describe('PORTAL session keeping over HTTPS', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('reports a gateway without session (401) and recovers once someone logs in', async () => {
    pair = await startPortalPair({ fake: { session: { loggedIn: false } } });
    await expect(pair.broker.waitUntilReady(1500)).rejects.toThrow(/not ready after 1500 ms: .*401/);
    const lost = await waitFor(() => pair!.eventsOf('auth_lost')[0], 'auth_lost');
    expect(lost.details?.kind).toBe('no_session');
    expect(pair.broker.state()).toBe('connecting');
    pair.fake.control.login();
    await pair.broker.waitUntilReady(20_000);
    expect(pair.eventsOf('reauthenticated')).toHaveLength(1);
    expect(pair.eventsOf('reauthenticated')[0].details).toMatchObject({ recoveredFrom: 'no_session', by: 'gateway' });
    expect(pair.broker.accounts()).toContain(MAIN_ACCOUNT);
  });

  it('re-opens a lost brokerage session with /iserver/reauthenticate', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setBrokerageSession('lost');
    await waitFor(() => pair!.eventsOf('auth_lost')[0], 'auth_lost');
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated');
    expect(pair.eventsOf('reauthenticated')[0].details).toMatchObject({
      recoveredFrom: 'brokerage_lost',
      by: 'adapter',
    });
    expect(pair.fake.control.requests('/iserver/reauthenticate').length).toBeGreaterThanOrEqual(1);
    await pair.broker.waitUntilReady(20_000);
    // Market data flows again (the new brokerage session needed /iserver/accounts and a fresh pre-flight).
    const polls = pair.fake.control
      .requests('/iserver/marketdata/snapshot')
      .filter((entry) => entry.status === 200).length;
    await waitFor(
      () =>
        pair!.fake.control.requests('/iserver/marketdata/snapshot').filter((entry) => entry.status === 200).length >
        polls + 2,
      'successful snapshots after reauth',
    );
    expect(Object.values(pair.broker.snapshot(MAIN_ACCOUNT).greeks).some((greeks) => !greeks.stale)).toBe(true);
  });

  it('falls back to ssodh/init when reauthenticate does not help', async () => {
    pair = await startPortalPair({ fake: { session: { reauthenticateWorks: false } } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setBrokerageSession('lost');
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated', 30_000);
    expect(pair.fake.control.requests('/iserver/auth/ssodh/init').length).toBeGreaterThanOrEqual(1);
  });

  it('initialises the brokerage session again when /iserver answers 400 "no bridge" under a healthy auth status', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    const inits = pair.fake.control.requests('/iserver/auth/ssodh/init').length;
    pair.fake.control.setBrokerageSession('noBridge');
    const lost = await waitFor(() => pair!.eventsOf('auth_lost')[0], 'auth_lost');
    expect(lost.details).toMatchObject({ kind: 'brokerage_lost', status: 400 });
    expect(lost.message).toContain('no bridge');
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated');
    expect(pair.fake.control.requests('/iserver/auth/ssodh/init').length).toBeGreaterThan(inits);
    expect(pair.fake.control.sessionState().brokerage).toBe('authenticated');
    await pair.broker.waitUntilReady(20_000);
    expect(pair.eventsOf('outage')).toEqual([]);
  });
});
