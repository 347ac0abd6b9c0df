import { connect, Socket } from 'node:net';
import { EventName } from '@stoqey/ib';
import { waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

function readFrames(socket: Socket): { frames: string[][] } {
  const state = { frames: [] as string[][], buffer: Buffer.alloc(0) };
  socket.on('data', (chunk) => {
    state.buffer = Buffer.concat([state.buffer, chunk]);
    while (state.buffer.length >= 4 && state.buffer.length >= 4 + state.buffer.readUInt32BE(0)) {
      const length = state.buffer.readUInt32BE(0);
      state.frames.push(
        state.buffer
          .subarray(4, 4 + length)
          .toString()
          .split('\0')
          .slice(0, -1),
      );
      state.buffer = state.buffer.subarray(4 + length);
    }
  });
  return state;
}

function frame(fields: Array<string | number>): Buffer {
  const payload = Buffer.from(fields.map((field) => `${field}\0`).join(''));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

describe('TWS simulator: handshake and session', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('greets a real IBApi client: version 193, managed accounts, nextValidId, farm status', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected(7);
    expect(client.all(EventName.server)[0][0]).toBe(193);
    await client.waitFor(EventName.info, (args) => args[1] === 2158);
    expect(client.all(EventName.managedAccounts)[0][0]).toBe('DU1234567,DU7654321');
    expect(client.infoCodes()).toEqual([2104, 2106, 2158]);
    expect(sim.counters().startApi).toBe(1);
    expect(sim.sessions()).toEqual([expect.objectContaining({ clientId: 7, phase: 'ready' })]);
  });

  it('answers reqCurrentTime from the injected clock, reqIds and reqManagedAccts', async () => {
    const sim = await fixture.start();
    const client = await fixture.connected();
    client.api.reqCurrentTime();
    client.api.reqIds(1);
    client.api.reqManagedAccts();
    const [time] = await client.waitFor(EventName.currentTime);
    expect(time).toBe(Math.floor(fixture.clock.now / 1000));
    await waitUntil(() => client.count(EventName.nextValidId) === 2, 'second nextValidId');
    await waitUntil(() => client.count(EventName.managedAccounts) === 2, 'second managedAccounts');
    expect(sim.counters()).toMatchObject({ reqCurrentTime: 1, reqIds: 1, reqManagedAccts: 1 });
  });

  it('parses a handshake split into 1-byte chunks and coalesced with startApi', async () => {
    const sim = await fixture.start();
    const socket = connect(sim.port, '127.0.0.1');
    const received = readFrames(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    const version = Buffer.from('v100..193');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(version.length);
    const hello = Buffer.concat([Buffer.from('API\0'), header, version]);
    for (const byte of hello) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => received.frames.length >= 1, 'version frame');
    expect(received.frames[0][0]).toBe('193');
    // startApi and reqCurrentTime coalesced into one chunk.
    socket.write(Buffer.concat([frame([71, 2, 9, '']), frame([49, 1])]));
    await waitUntil(() => received.frames.find((fields) => fields[0] === '49'), 'currentTime');
    expect(received.frames.map((fields) => fields[0]).slice(1, 3)).toEqual(['15', '9']);
    socket.destroy();
  });

  it('refuses a client id already in use with 326 and closes that socket', async () => {
    await fixture.start();
    await fixture.connected(3);
    const second = fixture.client(3);
    second.api.connect();
    await second.waitFor(EventName.info, (args) => args[1] === 326);
    await second.waitFor(EventName.disconnected);
    expect(second.count(EventName.nextValidId)).toBe(0);
  });

  it('a newer gateway (maximum 201) negotiates 193 with this client', async () => {
    await fixture.start({ settings: { serverVersion: 201 } });
    const client = await fixture.connected();
    expect(client.all(EventName.server)[0][0]).toBe(193);
  });

  it('answers a forced server version: 201 makes the client reject it with 506', async () => {
    await fixture.start({ settings: { answerVersion: 201 } });
    const client = fixture.client();
    client.api.connect();
    await client.waitFor('error', (args) => args[1] === 506);
    await client.waitFor(EventName.disconnected);
  });

  it('silent accept leaves the client connecting forever; withheld nextValidId leaves it paused', async () => {
    const sim = await fixture.start();
    sim.control.setSilentAccept({ silentAccept: true });
    const silent = fixture.client();
    silent.api.connect();
    await waitUntil(() => sim.counters().handshakes === 1, 'handshake at the simulator');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(silent.count(EventName.connected)).toBe(0);
    sim.control.setSilentAccept({ silentAccept: false });
    sim.control.setNextValidId({ mode: 'withheld' });
    const paused = fixture.client();
    paused.api.connect();
    await paused.waitFor(EventName.managedAccounts);
    paused.api.reqCurrentTime();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(paused.count(EventName.nextValidId)).toBe(0);
    expect(sim.counters().reqCurrentTime).toBeUndefined();
  });
});
