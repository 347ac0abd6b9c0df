import { createSocketBroker } from '../../../src/broker/socket';
import { MALFORMED_KINDS, startTwsSimulator } from '../../../src/sim/tws';
import {
  eventsOf,
  eventually,
  FAST_SUPERVISION,
  startSimAndBroker,
  waitForFreshGreeks,
  type SimBroker,
} from './simHarness';

describe('SOCKET adapter handshake and hostile input', () => {
  let h: SimBroker | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('sends nothing before nextValidId, times the handshake out, and gets ready once the gateway answers', async () => {
    h = await startSimAndBroker({ start: false });
    h.sim.control.setNextValidId({ mode: 'withheld' });
    h.broker.start();
    const timedOut = await eventually(
      () => eventsOf(h!.events, 'disconnected').find((e) => e.details?.reason === 'handshake_timeout'),
      { what: 'a handshake timeout' },
    );
    expect(timedOut.message).toMatch(/nextValidId/);
    const counters = h.sim.counters();
    expect(counters.startApi).toBeGreaterThanOrEqual(1);
    for (const request of ['reqPositions', 'reqMktData', 'reqMarketDataType', 'reqPnL', 'reqCurrentTime']) {
      expect(counters[request] ?? 0).toBe(0);
    }
    expect(h.broker.state()).not.toBe('ready');
    await expect(h.broker.waitUntilReady(100)).rejects.toThrow(/handshake_timeout/);

    h.sim.control.setNextValidId({ mode: 'immediate' });
    await waitForFreshGreeks(h, 0, 'Greeks once nextValidId flows');
  });

  it('treats a silent accept (no version frame) as a failed handshake and retries', async () => {
    h = await startSimAndBroker({ start: false });
    h.sim.control.setSilentAccept({ silentAccept: true });
    h.broker.start();
    await eventually(
      () => eventsOf(h!.events, 'disconnected').filter((e) => e.details?.reason === 'handshake_timeout').length >= 1,
      { what: 'handshake timeout on a silent accept' },
    );
    h.sim.control.setSilentAccept({ silentAccept: false });
    await waitForFreshGreeks(h, 0, 'Greeks after the silent accept');
  });

  it('keeps retrying while the port is closed and connects when the gateway appears', async () => {
    const first = await startSimAndBroker({ start: false });
    const { port } = first.sim;
    await first.close();
    const broker = createSocketBroker({ host: '127.0.0.1', port, ...FAST_SUPERVISION });
    const reasons: string[] = [];
    broker.onEvent((event) => {
      if (event.type === 'disconnected') reasons.push(String(event.details?.reason));
    });
    broker.start();
    const sim = await (async () => {
      try {
        await eventually(() => reasons.length >= 2, { what: 'refused attempts' });
        expect(broker.state()).not.toBe('ready');
        await expect(broker.waitUntilReady(50)).rejects.toThrow(/not ready/);
        return await startTwsSimulator({ port, seed: 11 });
      } catch (error) {
        await broker.stop();
        throw error;
      }
    })();
    h = { sim, broker, events: [], close: async () => (await broker.stop(), await sim.close()) };
    await broker.waitUntilReady(15_000);
    expect(reasons.every((reason) => reason === 'socket_error' || reason === 'socket_closed')).toBe(true);
    await broker.stop();
    expect(broker.state()).toBe('down');
  });

  it.each(MALFORMED_KINDS.filter((kind) => kind !== 'badAdvancedRejectJson'))(
    'survives a malformed frame (%s) and ends with fresh Greeks',
    async (kind) => {
      h = await startSimAndBroker();
      await waitForFreshGreeks(h, 0);
      const t0 = Date.now();
      h.sim.control.sendMalformed({ kind });
      // A bogus length prefix silently stalls the decoder: only the heartbeat can notice and replace the socket.
      if (kind === 'bogusLength') await eventually(() => eventsOf(h!.events, 'stalled', t0).length > 0);
      if (kind === 'unknownMessageId' || kind === 'nonNumeric') {
        await eventually(() => eventsOf(h!.events, 'bad_input', t0).length > 0, { what: 'a bad_input event' });
      }
      await waitForFreshGreeks(h, Date.now(), `Greeks after ${kind}`);
    },
  );

  it('ignores ticks for unknown request ids and a repeated positionEnd', async () => {
    h = await startSimAndBroker();
    await waitForFreshGreeks(h, 0);
    const before = h.broker.snapshot(h.broker.accounts()[0]);
    h.sim.control.sendUnsolicited({ kind: 'tickForUnknownReqId' });
    h.sim.control.sendUnsolicited({ kind: 'repeatedPositionEnd' });
    h.sim.control.sendUnsolicited({ kind: 'duplicateNextValidId' });
    await waitForFreshGreeks(h, Date.now(), 'Greeks after unsolicited messages');
    expect(h.broker.snapshot(before.account).positions).toEqual(before.positions);
    expect(h.sim.counters().connections).toBe(1);
  });
});
