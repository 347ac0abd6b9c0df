import { startPortalPair, waitFor, type PortalPair, SNAPSHOT, moreSuccessfulSnapshots } from './portalHarness';

describe('PORTAL retries and pacing under gateway faults (real HTTPS)', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
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
});
