import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

describe('PORTAL session keeping over HTTPS: tickle, idle expiry, competing sessions, the cookie', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('keeps the session alive with /tickle while the gateway expires idle sessions', async () => {
    pair = await startPortalPair({ broker: { tickleIntervalMs: 1000 } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setIdleTimeout(3000);
    const tickles = pair.fake.control.requests('/tickle').length;
    // Five tickles take over 5 s (the adapter keeps /tickle under 1 per 1.25 s): well past the 3 s idle limit.
    await waitFor(() => pair!.fake.control.requests('/tickle').length >= tickles + 5, 'five more tickles');
    expect(pair.fake.control.sessionState().loggedIn).toBe(true);
    expect(pair.eventsOf('auth_lost')).toHaveLength(0);
    expect(pair.broker.state()).toBe('ready');
  });

  it('notices the idle expiry when it does not tickle', async () => {
    pair = await startPortalPair({ broker: { tickleIntervalMs: 600_000 } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setIdleTimeout(1000);
    const lost = await waitFor(() => pair!.eventsOf('auth_lost')[0], 'auth_lost after idle expiry');
    expect(lost.details?.kind).toBe('no_session');
    expect(pair.fake.control.sessionState().loggedIn).toBe(false);
    expect(pair.broker.state()).toBe('connecting');
    const snapshot = pair.broker.snapshot(MAIN_ACCOUNT);
    expect(snapshot.connection).toBe('connecting');
    expect(Object.values(snapshot.greeks).length).toBeGreaterThan(0);
    expect(Object.values(snapshot.greeks).every((greeks) => greeks.stale)).toBe(true);
  });

  it('does not kick a competing session by default and recovers when it goes away', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setBrokerageSession('competing');
    const lost = await waitFor(() => pair!.eventsOf('auth_lost')[0], 'auth_lost');
    expect(lost.details?.kind).toBe('competing');
    await waitFor(() => pair!.broker.state() === 'degraded', 'degraded');
    expect(pair.fake.control.requests('/iserver/auth/ssodh/init')).toHaveLength(0);
    expect(pair.fake.control.sessionState().brokerage).toBe('competing');
    pair.fake.control.setBrokerageSession('lost');
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated');
    await pair.broker.waitUntilReady(20_000);
  });

  it('never writes the session cookie to a log or an event', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setBrokerageSession('lost');
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated');
    const cookie = pair.fake.control.sessionCookie();
    const written = JSON.stringify(pair.logger.lines) + JSON.stringify(pair.events);
    expect(pair.logger.lines.length).toBeGreaterThan(3);
    expect(written).not.toContain(cookie);
    expect(written).not.toContain(cookie.slice(0, 16));
  });
});
