import {
  eventsOf,
  eventually,
  MAIN_ACCOUNT,
  optionConIds,
  startSimAndBroker,
  waitForFreshGreeks,
  type SimBroker,
} from './simHarness';

/** Request ids the simulator currently streams for the adapter. */
function streamedReqIds(h: SimBroker): number[] {
  return h.sim.sessions().flatMap((session) => session.marketData);
}

function firstEventAt(h: SimBroker, type: Parameters<typeof eventsOf>[1], since: number): Promise<number> {
  return eventually(() => eventsOf(h.events, type, since)[0]?.at, { what: `a ${type} event` });
}

describe('SOCKET adapter: every gateway fault ends in a ready adapter with all subscriptions live again', () => {
  let h: SimBroker;

  beforeEach(async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0, 'initial Greeks');
  });

  afterEach(async () => {
    await h.close();
  });

  it('abrupt drop (RST): reconnects and re-subscribes everything with fresh request ids', async () => {
    const oldIds = streamedReqIds(h);
    const connections = h.sim.counters().connections;
    const t0 = Date.now();
    expect(h.sim.control.dropConnections({ mode: 'rst' })).toBe(1);

    const droppedAt = await eventually(() => eventsOf(h.events, 'disconnected', t0)[0]?.at, { what: 'disconnect' });
    await waitForFreshGreeks(h, droppedAt, 'Greeks after the drop');

    expect(h.sim.counters().connections).toBeGreaterThan(connections);
    const newIds = streamedReqIds(h);
    expect(newIds).toHaveLength(oldIds.length);
    expect(Math.min(...newIds)).toBeGreaterThan(Math.max(...oldIds));
    expect(eventsOf(h.events, 'ready', droppedAt).length).toBeGreaterThanOrEqual(1);
  });

  it('graceful close (FIN): same recovery', async () => {
    const t0 = Date.now();
    h.sim.control.dropConnections({ mode: 'fin' });
    const droppedAt = await eventually(() => eventsOf(h.events, 'disconnected', t0)[0]?.at, { what: 'disconnect' });
    await waitForFreshGreeks(h, droppedAt, 'Greeks after FIN');
  });

  it('stall (socket open, nothing sent): declared dead by the heartbeat and replaced', async () => {
    const connections = h.sim.counters().connections;
    const t0 = Date.now();
    h.sim.control.setStalled({ stalled: true });

    const stalledAt = await eventually(() => eventsOf(h.events, 'stalled', t0)[0]?.at, { what: 'stall detection' });
    expect(h.broker.state()).not.toBe('ready');
    h.sim.control.setStalled({ stalled: false });

    await waitForFreshGreeks(h, stalledAt, 'Greeks after the stall');
    expect(h.sim.counters().connections).toBeGreaterThan(connections);
  });

  it('1100 then 1102: degraded with stale Greeks on the same socket, then fresh again without reconnecting', async () => {
    const connections = h.sim.counters().connections;
    const t0 = Date.now();
    const outage = h.sim.control.connectivityLost({ restoreAfterMs: 2_000, outcome: 'maintained' });

    await eventually(() => h.broker.state() === 'degraded', { what: 'degraded state' });
    const during = h.broker.snapshot(MAIN_ACCOUNT);
    const options = optionConIds(during);
    expect(options.length).toBeGreaterThan(0);
    for (const conId of options) expect(during.greeks[conId].stale).toBe(true);
    expect(during.connection).toBe('degraded');

    await outage;
    const restoredAt = await firstEventAt(h, 'status_1102', t0);
    await waitForFreshGreeks(h, restoredAt, 'Greeks after 1102');
    expect(h.sim.counters().connections).toBe(connections);
    expect(eventsOf(h.events, 'disconnected', t0)).toEqual([]);
  });

  it('1100 then 1101: re-subscribes every line with fresh ids on the same socket', async () => {
    const connections = h.sim.counters().connections;
    const oldIds = streamedReqIds(h);
    const requestsBefore = h.sim.counters().reqMktData;
    const t0 = Date.now();

    await h.sim.control.connectivityLost({ restoreAfterMs: 500, outcome: 'lost' });
    const restoredAt = await firstEventAt(h, 'status_1101', t0);
    await waitForFreshGreeks(h, restoredAt, 'Greeks after 1101');

    expect(h.sim.counters().connections).toBe(connections);
    expect(h.sim.counters().reqMktData - requestsBefore).toBe(oldIds.length);
    expect(Math.min(...streamedReqIds(h))).toBeGreaterThan(Math.max(...oldIds));
  });

  it('nightly reset window: connections refused for a while, then a fresh gateway', async () => {
    const t0 = Date.now();
    const reset = h.sim.control.nightlyReset({ refuseForMs: 1_500 });
    const droppedAt = await eventually(() => eventsOf(h.events, 'disconnected', t0)[0]?.at, { what: 'disconnect' });
    await reset;
    await waitForFreshGreeks(h, droppedAt, 'Greeks after the reset');
    // While the port was closed the adapter kept trying, with its backoff.
    expect(eventsOf(h.events, 'reconnect', t0).length).toBeGreaterThanOrEqual(2);
  });

  it('326 from a lingering client id after a gateway restart: retried with backoff until accepted', async () => {
    const t0 = Date.now();
    await h.sim.control.nightlyReset({ refuseForMs: 200, lingerClientIdsForMs: 2_500 });
    await eventually(() => eventsOf(h.events, 'client_id_in_use', t0).length > 0, { what: '326' });
    const refusedAt = eventsOf(h.events, 'client_id_in_use', t0).at(-1)!.at;
    await waitForFreshGreeks(h, refusedAt, 'Greeks after 326');

    expect(h.sim.counters().refused326).toBeGreaterThanOrEqual(1);
    expect(eventsOf(h.events, 'client_id_in_use', t0).every((event) => event.code === 326)).toBe(true);
    const delays = eventsOf(h.events, 'reconnect', t0).map((event) => Number(event.details?.delayMs));
    // Consecutive failures back off: each delay at least the previous one.
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
  });

  it('explicit reconnect(): drops the session and comes back with every subscription', async () => {
    const t0 = Date.now();
    await h.broker.reconnect('operator request');
    const droppedAt = await eventually(() => eventsOf(h.events, 'disconnected', t0)[0]?.at, { what: 'disconnect' });
    await waitForFreshGreeks(h, droppedAt, 'Greeks after reconnect()');
    expect(eventsOf(h.events, 'reconnect', t0)[0].details).toMatchObject({ reason: 'operator request' });
  });
});
