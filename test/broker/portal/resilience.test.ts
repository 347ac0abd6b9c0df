import { MAIN_ACCOUNT } from '../../../src/sim/model';
import {
  FAST_BROKER,
  manualClock,
  startPortalPair,
  waitFor,
  type PortalPair,
  SNAPSHOT,
  moreSuccessfulSnapshots,
} from './portalHarness';

describe('PORTAL under gateway faults (real HTTPS)', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('backs off after a 429 and sends nothing during the pause', async () => {
    pair = await startPortalPair({ broker: { ...FAST_BROKER, rateLimit: { penaltyBoxMs: 1000 } } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.forceRateLimit({ count: 1, pathPrefix: SNAPSHOT });
    const event = await waitFor(() => pair!.eventsOf('rate_limited')[0], 'rate_limited event');
    expect(event.details).toMatchObject({ endpoint: SNAPSHOT, pauseMs: 1000 });
    await moreSuccessfulSnapshots(pair, 2);
    const log = pair.fake.control.requests();
    const limited = log.findIndex((entry) => entry.status === 429);
    const next = log[limited + 1];
    // The pause is measured by the adapter before it sends; the server can only see it as longer.
    expect(next.at - log[limited].at).toBeGreaterThanOrEqual(900);
    expect(pair.broker.state()).toBe('ready');
  });

  it('stays out of the IBKR penalty box for its whole duration: degraded with the reason, alerted, then ready', async () => {
    const penaltyBoxMs = 3000;
    pair = await startPortalPair({
      fake: { rateLimit: { penaltyBoxMs } },
      broker: { ...FAST_BROKER, rateLimit: { penaltyBoxMs } },
    });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.forceRateLimit({ count: 1, pathPrefix: SNAPSHOT });
    const event = await waitFor(() => pair!.eventsOf('rate_limited')[0], 'rate_limited event');
    expect(event.details).toMatchObject({ endpoint: SNAPSHOT, pauseMs: penaltyBoxMs });
    expect(event.message).toContain('penalty box');
    expect(pair.logger.lines.some((line) => line.level === 'warn' && line.object.event === 'rate_limited')).toBe(true);
    expect(pair.broker.state()).toBe('degraded');
    await expect(pair.broker.waitUntilReady(100)).rejects.toThrow(/penalty box/);
    await waitFor(() => pair!.eventsOf('ready').length >= 2, 'ready again after the box', 20_000);
    const log = pair.fake.control.requests();
    const limited = log.findIndex((entry) => entry.status === 429);
    // Nothing reached the gateway while the box lasted, so it never grew: one 429 in all.
    expect(log[limited + 1].at - log[limited].at).toBeGreaterThanOrEqual(penaltyBoxMs - 100);
    expect(pair.fake.control.rateLimitedCount()).toBe(1);
    expect(pair.eventsOf('ready').at(-1)?.details).toMatchObject({ recoveredFrom: 'rate_limited' });
  });

  it('honours Retry-After', async () => {
    pair = await startPortalPair({ fake: { rateLimit: { retryAfterSeconds: 2 } } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.forceRateLimit({ count: 1, pathPrefix: SNAPSHOT });
    const event = await waitFor(() => pair!.eventsOf('rate_limited')[0], 'rate_limited event');
    expect(event.details?.pauseMs).toBe(2000);
    await moreSuccessfulSnapshots(pair, 1);
    const log = pair.fake.control.requests();
    const limited = log.findIndex((entry) => entry.status === 429);
    expect(log[limited + 1].at - log[limited].at).toBeGreaterThanOrEqual(1900);
  });

  it('reports the nightly /iserver outage window and re-authenticates after it', async () => {
    // 01:59:00 in New York (EDT) on 2026-03-10; the window opens at 02:00 for one minute.
    const clock = manualClock(Date.UTC(2026, 2, 10, 5, 59, 0));
    pair = await startPortalPair({
      fake: { clock: clock.now, outageWindow: { start: '02:00', durationMinutes: 1, timeZone: 'America/New_York' } },
      broker: { clock: clock.now },
    });
    await pair.broker.waitUntilReady(20_000);
    clock.set(Date.UTC(2026, 2, 10, 6, 0, 10));
    const outage = await waitFor(() => pair!.eventsOf('outage')[0], 'outage event');
    expect([500, 503]).toContain(outage.details?.status);
    expect(pair.broker.state()).toBe('degraded');
    expect(Object.values(pair.broker.snapshot(MAIN_ACCOUNT).greeks).every((greeks) => greeks.stale)).toBe(true);
    clock.set(Date.UTC(2026, 2, 10, 6, 1, 30));
    await waitFor(() => pair!.eventsOf('reauthenticated')[0], 'reauthenticated after the outage');
    await pair.broker.waitUntilReady(20_000);
    const types = pair.events.map((event) => event.type);
    expect(types.indexOf('outage')).toBeLessThan(types.lastIndexOf('auth_lost'));
    expect(types.lastIndexOf('auth_lost')).toBeLessThan(types.lastIndexOf('reauthenticated'));
  });

  it('rejects truncated and invalid JSON with a clear reason and keeps going', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.corruptResponses('truncated', { count: 1, pathPrefix: SNAPSHOT });
    pair.fake.control.corruptResponses('invalid', { count: 1, pathPrefix: SNAPSHOT });
    await waitFor(() => pair!.eventsOf('bad_input').length >= 2, 'two bad_input events');
    for (const event of pair.eventsOf('bad_input'))
      expect(event.message).toMatch(/^invalid JSON from \/iserver\/marketdata\/snapshot/);
    await moreSuccessfulSnapshots(pair, 2);
    expect(pair.broker.state()).toBe('ready');
  });

  it('survives connection resets', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.resetConnections({ count: 2, pathPrefix: SNAPSHOT });
    const dropped = await waitFor(() => pair!.eventsOf('disconnected')[0], 'disconnected event');
    expect(dropped.message).toMatch(/unreachable \((ECONNRESET|EPIPE)\)/);
    await waitFor(() => pair!.eventsOf('ready').length >= 2, 'ready again');
    await moreSuccessfulSnapshots(pair, 2);
  });

  it('times out on a gateway slower than the request timeout and recovers when it speeds up', async () => {
    pair = await startPortalPair({ broker: { requestTimeoutMs: 500 } });
    await pair.broker.waitUntilReady(20_000);
    pair.fake.control.setLatency(1500);
    const dropped = await waitFor(() => pair!.eventsOf('disconnected')[0], 'disconnected event');
    expect(dropped.message).toMatch(/no answer within 500 ms/);
    pair.fake.control.setLatency(100);
    await waitFor(() => pair!.eventsOf('ready').length >= 2, 'ready again');
  });
});
