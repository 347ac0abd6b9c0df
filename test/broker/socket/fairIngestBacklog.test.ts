import { FairIngest, FAIR_INGEST_DEFAULTS } from '../../../src/broker/socket/fairIngest';
import { FramePreFilter } from '../../../src/broker/socket/framePreFilter';
import { replies } from '../../../src/sim/tws/protocol/replies';
import { frames } from './libraryDecoding';

/** What one read of a busy socket hands over (libuv reads at most 64 KiB at a time). */
const READ = 64 * 1024;

/** A gateway that has far more to send than the worker decodes: 20 MiB of price ticks, ready to read. */
function endlessStream(): Buffer {
  const round = frames(Array.from({ length: 500 }, (_, i) => replies.tickPrice(i + 1, 1, 2.45, 10)));
  return Buffer.concat(Array.from({ length: Math.ceil((20 * 1024 * 1024) / round.length) }, () => round));
}

/**
 * A socket as Node's net.Socket behaves: one read per event-loop turn while flowing, none while paused (the bytes stay
 * in the kernel's buffers and TCP slows the sender).
 */
function socketReading(bytes: Buffer, onData: (chunk: Buffer) => void) {
  let offset = 0;
  let paused = false;
  const read = () => {
    if (paused || offset >= bytes.length) return;
    onData(bytes.subarray(offset, offset + READ));
    offset += READ;
    setImmediate(read);
  };
  return {
    start: () => setImmediate(read),
    pause: () => void (paused = true),
    resume: () => {
      if (!paused) return;
      paused = false;
      setImmediate(read);
    },
  };
}

describe('fair ingest backlog', () => {
  it('stays under the pause threshold and one read while the stream outruns decoding, and loses nothing', async () => {
    const stream = endlessStream();
    let delivered = 0;
    let largestBacklog = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const ingest: FairIngest = new FairIngest(
      new FramePreFilter(null),
      (bytes) => {
        delivered += bytes.length;
        if (delivered === stream.length) done();
      },
      FAIR_INGEST_DEFAULTS,
      () => socket,
    );
    const socket = socketReading(stream, (chunk) => {
      ingest.data(chunk);
      largestBacklog = Math.max(largestBacklog, ingest.backlogBytes());
    });
    socket.start();
    await finished;
    // Decoding takes 32 KiB a turn and the socket offers 64 KiB: without the pause the backlog would reach ~10 MiB.
    expect(largestBacklog).toBeGreaterThan(FAIR_INGEST_DEFAULTS.pauseAboveBytes);
    expect(largestBacklog).toBeLessThanOrEqual(
      FAIR_INGEST_DEFAULTS.pauseAboveBytes + READ + FAIR_INGEST_DEFAULTS.turnBytes,
    );
    expect(delivered).toBe(stream.length);
    expect(ingest.backlogBytes()).toBe(0);
  });
});
