import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { FAST_BROKER, manualClock, startPortalPair, waitFor, type PortalPair } from './portalHarness';

const SNAPSHOT = '/iserver/marketdata/snapshot';

function successfulSnapshots(pair: PortalPair): number {
  return pair.fake.control.requests(SNAPSHOT).filter((entry) => entry.status === 200).length;
}

async function moreSuccessfulSnapshots(pair: PortalPair, count: number): Promise<void> {
  const start = successfulSnapshots(pair);
  await waitFor(() => successfulSnapshots(pair) >= start + count, `${count} more successful snapshots`);
}

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

  it('stays under the gateway limits when it has more to ask than they allow', async () => {
    // 3 conids per call and a 20 ms poll ask for far more than 10 requests per second.
    pair = await startPortalPair({ broker: { snapshotBatchSize: 3, snapshotPollIntervalMs: 20 } });
    await pair.broker.waitUntilReady(30_000);
    const from = Date.now();
    await waitFor(() => Date.now() - from > 3000 && true, 'three busy seconds', 10_000, 100);
    const times = pair.fake.control.requests().map((entry) => entry.at);
    let busiest = 0;
    for (let index = 0; index < times.length; index += 1) {
      busiest = Math.max(busiest, times.filter((t) => t >= times[index] && t < times[index] + 1000).length);
    }
    expect(pair.fake.control.rateLimitedCount()).toBe(0);
    expect(busiest).toBeLessThanOrEqual(10);
    expect(busiest).toBeGreaterThanOrEqual(5);
    expect(pair.eventsOf('rate_limited')).toHaveLength(0);
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

  it('retries a failing data call at the first backoff step while the gateway keeps answering', async () => {
    pair = await startPortalPair({ broker: { retryInitialMs: 1000, retryMaxMs: 30_000 } });
    await pair.broker.waitUntilReady(20_000);
    // Six resets in a row on the data call only: auth status answers every time. A backoff that kept growing
    // would take 1 + 2 + 4 + 8 + 16 s to get through them; each retry comes after the first step instead.
    pair.fake.control.resetConnections({ count: 6, pathPrefix: SNAPSHOT });
    const started = Date.now();
    await waitFor(
      () => pair!.fake.control.requests(SNAPSHOT).filter((entry) => entry.status === 'reset').length >= 6,
      'six resets',
      40_000,
    );
    await moreSuccessfulSnapshots(pair, 1);
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor(() => pair!.broker.state() === 'ready', 'ready again', 5_000);
  });

  it('retries soon after garbled auth status answers instead of backing off further', async () => {
    pair = await startPortalPair({ broker: { retryInitialMs: 1000, retryMaxMs: 30_000 } });
    await pair.broker.waitUntilReady(20_000);
    // One reset sends the adapter back to auth status, which then answers garbage five times: the gateway is up.
    pair.fake.control.corruptResponses('invalid', { count: 5, pathPrefix: '/iserver/auth/status' });
    pair.fake.control.resetConnections({ count: 1, pathPrefix: SNAPSHOT });
    const started = Date.now();
    await waitFor(() => pair!.eventsOf('disconnected')[0], 'disconnected event');
    await waitFor(() => pair!.eventsOf('ready').length >= 2, 'ready again', 40_000);
    // A backoff growing on each garbled answer would need 2 + 4 + 8 + 16 s.
    expect(Date.now() - started).toBeLessThan(15_000);
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
