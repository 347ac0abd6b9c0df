import { connect } from 'node:net';
import { EventName } from '@stoqey/ib';
import { createRng } from '../../../src/sim/model';
import { waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

const FRAMES = 5_000;

function frame(fields: Array<string | number>): Buffer {
  const payload = Buffer.from(fields.map((field) => `${field}\0`).join(''));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

const HELLO = (() => {
  const version = Buffer.from('v100..193');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(version.length);
  return Buffer.concat([Buffer.from('API\0'), length, version]);
})();

/** Sends bytes on a fresh socket and resolves when the simulator has closed it (or after a grace period). */
function sendGarbage(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(finish, 300);
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

describe('TWS simulator: fuzzing', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it(`the real client survives ${FRAMES} randomly mutated frames and keeps working`, async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const client = await fixture.connected();
    const sent = sim.control.sendFuzzedFrames({ count: FRAMES, seed: 2024 });
    expect(sent).toBe(FRAMES);
    // Every frame is well delimited, so each produces events or 505 errors; wait until the burst is decoded.
    await waitUntil(() => client.events.length > FRAMES / 2, 'decoding of the fuzzed burst', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const decodingErrors = client.all('error').filter((args) => args[1] === 505).length;
    expect(decodingErrors).toBeGreaterThan(50);
    expect(client.count(EventName.disconnected)).toBe(0);
    // The session still works end to end after the storm.
    const before = client.count(EventName.currentTime);
    client.api.reqCurrentTime();
    await waitUntil(
      () =>
        client
          .all(EventName.currentTime)
          .slice(before)
          .some((args) => args[0] === Math.floor(fixture.clock.now / 1000)),
      'a clean currentTime after fuzzing',
    );
  });

  it('the simulator survives garbage from clients, drops them with a log line, and serves the next client', async () => {
    const lines: string[] = [];
    const sim = await fixture.start({ log: (_level, message) => lines.push(message) });
    const random = createRng(99);
    const randomBytes = (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
    const cases: Buffer[][] = [
      [randomBytes(64)],
      [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      [Buffer.from('API\0'), Buffer.from([0, 0, 0, 5]), Buffer.from('hello')],
      [HELLO, Buffer.from([0xff, 0xff, 0xff, 0xff])],
      [HELLO, frame([71, 2, 1, '']), frame(['abc', 1])],
      [HELLO, frame([71, 2, 'x', ''])],
      [HELLO, frame([71, 2, 2, '']), frame([1, 11, 'NaN'])],
      [HELLO, frame([71, 2, 3, '']), Buffer.from([0, 0, 0, 4, 52, 57, 0, 49])],
    ];
    for (let i = 0; i < 40; i += 1) {
      cases.push([HELLO, frame([71, 2, 100 + i, '']), randomBytes(1 + Math.floor(random() * 200))]);
    }
    for (const chunks of cases) await sendGarbage(sim.port, chunks);
    await waitUntil(() => (sim.counters().protocolViolations ?? 0) >= 8, 'violations counted');
    expect(lines.some((line) => /dropping client: bad preamble/.test(line))).toBe(true);
    expect(lines.some((line) => /dropping client: .*not an integer/.test(line))).toBe(true);
    expect(lines.filter((line) => /internal error/.test(line))).toEqual([]);
    const client = await fixture.connected(500);
    client.api.reqCurrentTime();
    await client.waitFor(EventName.currentTime);
  });
});
