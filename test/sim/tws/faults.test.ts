import { Contract as IbContract, EventName } from '@stoqey/ib';
import { waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

const OPTION = 700001;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TWS simulator: faults as the client sees them', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('RST drop: the client gets error 502 (ECONNRESET) and disconnected', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    expect(sim.control.dropConnections({ mode: 'rst' })).toBe(1);
    await client.waitFor(EventName.disconnected);
    const error = await client.waitFor('error', (args) => args[1] === 502);
    expect((error[0] as Error).message).toMatch(/ECONNRESET/);
  });

  it('FIN close: the client gets disconnected without a socket error', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    sim.control.dropConnections({ mode: 'fin' });
    await client.waitFor(EventName.disconnected);
    await sleep(100);
    expect(client.errorCodes()).toEqual([]);
  });

  it('1100 stops the ticks, 1102 resumes the same streams', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[1] === 13);
    const restored = sim.control.connectivityLost({ restoreAfterMs: 300, outcome: 'maintained' });
    await client.waitFor(EventName.info, (args) => args[1] === 1100);
    const during = client.count(EventName.tickOptionComputation);
    sim.control.publishNow();
    await sleep(100);
    expect(client.count(EventName.tickOptionComputation)).toBe(during);
    await restored;
    await client.waitFor(EventName.info, (args) => args[1] === 1102);
    sim.control.publishNow();
    await waitUntil(() => client.count(EventName.tickOptionComputation) > during, 'ticks after 1102');
    expect(client.infoCodes().filter((code) => code >= 1100 && code <= 1102)).toEqual([1100, 1102]);
  });

  it('1100 then 1101 forgets every subscription: only fresh requests get data', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[1] === 13);
    await sim.control.connectivityLost({ restoreAfterMs: 50, outcome: 'lost', farmWarnings: true });
    await client.waitFor(EventName.info, (args) => args[1] === 1101);
    expect(client.infoCodes().slice(3)).toEqual([1100, 2103, 2105, 2157, 2104, 2106, 2158, 1101]);
    const before = client.count(EventName.tickOptionComputation);
    sim.control.publishNow();
    await sleep(100);
    expect(client.count(EventName.tickOptionComputation)).toBe(before);
    expect(sim.linesInUse()).toBe(0);
    client.api.reqMktData(2, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation, (args) => args[0] === 2);
  });

  it('farm status sequences arrive as info events in order', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    await client.waitFor(EventName.info, (args) => args[1] === 2158);
    await sim.control.farmSequence({ codes: [2103, 2104, 2105, 2106, 2157, 2158, 2110], intervalMs: 10 });
    await waitUntil(() => client.infoCodes().length === 10, 'ten info events');
    expect(client.infoCodes().slice(3)).toEqual([2103, 2104, 2105, 2106, 2157, 2158, 2110]);
    const texts = client.all(EventName.info).map((args) => args[0]);
    expect(texts[3]).toBe('Market data farm connection is broken:usfarm');
  });

  it('nightly reset: sockets closed, connections refused, then fresh state with a lingering client id (326)', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected(5);
    client.api.reqMarketDataType(3);
    client.api.reqMktData(1, { conId: OPTION } as IbContract, '', false, false);
    await client.waitFor(EventName.tickOptionComputation);
    const reset = sim.control.nightlyReset({ refuseForMs: 600, lingerClientIdsForMs: 800 });
    await client.waitFor(EventName.disconnected);
    const refused = fixture.client(6);
    refused.api.connect();
    const error = await refused.waitFor('error', (args) => args[1] === 502);
    expect((error[0] as Error).message).toMatch(/ECONNREFUSED/);
    await reset;
    const lingering = fixture.client(5);
    lingering.api.connect();
    await lingering.waitFor(EventName.info, (args) => args[1] === 326);
    await lingering.waitFor(EventName.disconnected);
    const other = await fixture.connected(7);
    expect(sim.sessions().find((session) => session.clientId === 7)).toMatchObject({
      marketData: [],
      marketDataType: 1,
    });
    other.disconnect();
    await sleep(900);
    const back = await fixture.connected(5);
    expect(back.count(EventName.nextValidId)).toBe(1);
  });

  it('stall: the socket stays open but currentTime goes unanswered until the stall ends', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    sim.control.setStalled({ stalled: true });
    client.api.reqCurrentTime();
    await waitUntil(() => sim.counters().reqCurrentTime === 1, 'request at the simulator');
    await sleep(200);
    expect(client.count(EventName.currentTime)).toBe(0);
    expect(client.count(EventName.disconnected)).toBe(0);
    sim.control.setStalled({ stalled: false });
    client.api.reqCurrentTime();
    await client.waitFor(EventName.currentTime);
  });

  it('slow and jittered replies keep their order', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    sim.control.setReplyDelay({ delayMs: 150, jitterMs: 100 });
    const sentAt = Date.now();
    for (let reqId = 1; reqId <= 6; reqId += 1)
      client.api.reqMktData(reqId, { conId: OPTION + reqId } as IbContract, '', false, false);
    await waitUntil(() => client.count(EventName.marketDataType) === 6, 'six marketDataType replies');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(150);
    expect(client.all(EventName.marketDataType).map((args) => args[0])).toEqual([1, 2, 3, 4, 5, 6]);
    sim.control.setReplyDelay({ delayMs: 0, burstIntervalMs: 200 });
    client.api.reqCurrentTime();
    await client.waitFor(EventName.currentTime);
  });

  it('malformed frames produce the client errors IBKR users report', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    const decodingErrors = () => client.all('error').filter((args) => args[1] === 505).length;

    sim.control.sendMalformed({ kind: 'unknownMessageId' });
    await waitUntil(() => decodingErrors() === 2, 'two 505 errors for an unknown id');

    sim.control.sendMalformed({ kind: 'extraField' });
    await client.waitFor(EventName.currentTime);
    await waitUntil(() => decodingErrors() === 3, '505 for unprocessed data');

    sim.control.sendMalformed({ kind: 'missingField' });
    await waitUntil(() => decodingErrors() === 4, '505 underrun');
    expect(client.count(EventName.tickPrice)).toBe(0);

    sim.control.sendMalformed({ kind: 'nonNumeric' });
    await waitUntil(() => client.all(EventName.currentTime).some((args) => Number.isNaN(args[0])), 'currentTime(NaN)');

    // The missing NUL glues "123" onto the next message id: 123 + 49 → 12349, unknown.
    const beforeGlue = client.count(EventName.currentTime);
    sim.control.sendMalformed({ kind: 'missingTrailingNul' });
    await waitUntil(() => client.count(EventName.currentTime) === beforeGlue + 1, 'the truncated currentTime itself');
    const times = client.count(EventName.currentTime);
    client.api.reqCurrentTime();
    await waitUntil(
      () => client.all('error').some((args) => /12349/.test((args[0] as Error).message)),
      'glued id 12349',
    );
    expect(client.count(EventName.currentTime)).toBe(times);

    // A bogus length prefix swallows everything after it: the client decodes nothing more.
    sim.control.sendMalformed({ kind: 'bogusLength' });
    client.api.reqCurrentTime();
    await waitUntil(() => sim.counters().reqCurrentTime === 2, 'second reqCurrentTime at the simulator');
    await sleep(200);
    expect(client.count(EventName.currentTime)).toBe(times);
    expect(client.count(EventName.disconnected)).toBe(0);
  });

  it('unsolicited messages: ticks for an unknown request id and a repeated positionEnd', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqPositions();
    await client.waitFor(EventName.positionEnd);
    sim.control.sendUnsolicited({ kind: 'repeatedPositionEnd' });
    sim.control.sendUnsolicited({ kind: 'tickForUnknownReqId' });
    await waitUntil(() => client.count(EventName.positionEnd) === 2, 'second positionEnd');
    const tick = await client.waitFor(EventName.tickOptionComputation);
    expect(tick[0] as number).toBeGreaterThanOrEqual(900_000);
  });
});
