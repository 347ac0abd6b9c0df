import { eventsOf, eventually, startSimAndBroker, waitForFreshGreeks, type SimBroker } from './simHarness';

/**
 * Found by the fault suite (gateway-faults): with production's 10 s heartbeat, the reconnect backoff was only
 * forgotten on a heartbeat answer, so drops a few seconds apart grew the delay 1, 2, 4 … 32 s even though every
 * session in between was ready and streaming. A session that answers its first heartbeat works: the next drop
 * must start again from the minimum delay.
 */
describe('SOCKET adapter: reconnect backoff after sessions that worked', () => {
  let h: SimBroker;

  beforeEach(async () => {
    // The heartbeat is far slower than the drops, as in production (10 s heartbeat, drops seconds apart).
    h = await startSimAndBroker({
      broker: {
        heartbeatIntervalMs: 60_000,
        heartbeatTimeoutMs: 120_000,
        reconnectMinDelayMs: 100,
        reconnectMaxDelayMs: 60_000,
      },
    });
    await waitForFreshGreeks(h, 0, 'initial Greeks');
  });

  afterEach(async () => {
    await h.close();
  });

  it('reconnects after the minimum delay each time a ready, streaming session is dropped', async () => {
    const t0 = Date.now();
    for (let drop = 1; drop <= 4; drop++) {
      const before = Date.now();
      h.sim.control.dropConnections({ mode: 'rst' });
      const droppedAt = await eventually(() => eventsOf(h.events, 'disconnected', before)[0]?.at, {
        what: 'disconnect',
      });
      await waitForFreshGreeks(h, droppedAt, `Greeks after drop ${drop}`);
    }
    const delays = eventsOf(h.events, 'reconnect', t0).map((event) => Number(event.details?.delayMs));
    expect(delays).toEqual([100, 100, 100, 100]);
  });
});
