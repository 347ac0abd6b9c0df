import { EventName } from '@stoqey/ib';
import { FairIngest } from '../../../src/broker/socket/fairIngest';
import { FramePreFilter, type FrameInterest } from '../../../src/broker/socket/framePreFilter';
import type { Field } from '../../../src/sim/tws/protocol/framing';
import { replies } from '../../../src/sim/tws/protocol/replies';
import {
  bookLikeInterest,
  computation,
  fedClient,
  frames,
  HANDSHAKE,
  mixedStream,
  recordUsed,
  socketOf,
  type FedClient,
} from './libraryDecoding';

const OPTIONS = 2_000;
const ROUNDS = 10;
const CHUNK = 64 * 1024;

/** Every option line wants model computations (and quote ones until its first model tick). */
const optionLines: FrameInterest & { sawModel: Set<number> } = (() => {
  const sawModel = new Set<number>();
  return {
    sawModel,
    wantsPriceTick: () => false,
    wantsOptionComputation: (reqId, tickType) =>
      reqId >= 1 && reqId <= OPTIONS && (tickType === 13 || (tickType >= 10 && tickType <= 12 && !sawModel.has(reqId))),
  };
})();

/**
 * A market-open burst: 20,000 option updates (3 prices with their sizes, a volume, 4 computations each), written at
 * once and read by the socket in 64 KiB chunks, ended by a currentTime.
 */
function marketOpenBurst(): Buffer[] {
  const list: Field[][] = [];
  for (let step = 0; step < ROUNDS; step++) {
    for (let reqId = 1; reqId <= OPTIONS; reqId++) {
      list.push(replies.tickPrice(reqId, 1, 2.45, 10), replies.tickPrice(reqId, 2, 2.55, 10));
      list.push(replies.tickPrice(reqId, 4, 2.5, 1), replies.tickSize(reqId, 8, 1200 + step));
      for (const tickType of [10, 11, 12, 13]) list.push(computation(reqId, tickType, step / 100 + reqId / 1e6));
    }
  }
  list.push(replies.currentTime(1_701_612_000));
  const bytes = Buffer.concat([HANDSHAKE, frames(list)]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK));
  return chunks;
}

interface BurstWatch {
  /** reqId of every model computation decoded, in order. */
  models: number[];
  /** Model computations decoded when a timer set at the first one ran. */
  atTimer: () => number | null;
  /** Resolves with the number decoded when the closing currentTime arrives. */
  finished: Promise<void>;
}

function watchBurst(client: FedClient): BurstWatch {
  const models: number[] = [];
  let atTimer: number | null = null;
  client.api.on(EventName.tickOptionComputation, (reqId: number, field: number) => {
    if (field !== 13) return;
    optionLines.sawModel.add(reqId);
    models.push(reqId);
    if (models.length === 1) setTimeout(() => (atTimer = models.length), 0);
  });
  const finished = new Promise<void>((resolve) => client.api.on(EventName.currentTime, () => resolve()));
  return { models, atTimer: () => atTimer, finished };
}

function expectedModelOrder(): number[] {
  const order: number[] = [];
  for (let step = 0; step < ROUNDS; step++) for (let reqId = 1; reqId <= OPTIONS; reqId++) order.push(reqId);
  return order;
}

describe('fair ingest', () => {
  beforeEach(() => optionLines.sawModel.clear());

  it('lets a timer set during a market-open burst run before the burst is decoded, in order, with backpressure', async () => {
    const client = fedClient(optionLines, {});
    const flow: string[] = [];
    socketOf(client.api).client = {
      pause: () => flow.push('pause'),
      resume: () => flow.push('resume'),
      write: () => true,
    };
    const watch = watchBurst(client);
    // The whole burst arrives within one poll phase, as 64 KiB reads back to back.
    for (const chunk of marketOpenBurst()) client.feed(chunk);
    expect(watch.models).toHaveLength(0);
    await watch.finished;
    expect(watch.atTimer()).toBeGreaterThan(0);
    expect(watch.atTimer()).toBeLessThan(OPTIONS * ROUNDS);
    expect(watch.models).toEqual(expectedModelOrder());
    expect(client.handle!.stats().turns).toBeGreaterThan(100);
    // Paused while megabytes waited, resumed once they were decoded.
    expect(flow).toEqual(['pause', 'resume']);
  });

  it('without it the same burst holds the event loop until the last frame (what the fair share prevents)', async () => {
    const client = fedClient(optionLines, null);
    const watch = watchBurst(client);
    for (const chunk of marketOpenBurst()) client.feed(chunk);
    await watch.finished;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(watch.atTimer()).toBe(OPTIONS * ROUNDS);
  });

  it('delivers fed one byte at a time exactly what the plain library delivers, the socket end last', async () => {
    const stream = mixedStream();
    const plain = fedClient(bookLikeInterest(), null);
    const plainUsed = recordUsed(plain.api, bookLikeInterest());
    plain.feed(stream);
    plain.end();

    const interest = bookLikeInterest();
    const fair = fedClient(interest, {});
    const used = recordUsed(fair.api, interest);
    const ends: number[] = [];
    fair.api.on(EventName.disconnected, () => ends.push(used.length));
    for (const byte of stream) fair.feed(Buffer.from([byte]));
    fair.end();
    expect(ends).toEqual([]);
    await new Promise<void>((resolve) => fair.api.on(EventName.disconnected, () => resolve()));
    expect(used).toEqual(plainUsed);
    expect(ends).toEqual([used.length]);
  });

  it('decodes nothing more once stopped', async () => {
    const client = fedClient(optionLines, {});
    const watch = watchBurst(client);
    for (const chunk of marketOpenBurst()) client.feed(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const decoded = watch.models.length;
    expect(decoded).toBeGreaterThan(0);
    client.handle!.stop();
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(watch.models).toHaveLength(decoded);
    expect(decoded).toBeLessThan(OPTIONS * ROUNDS);
  });

  it('refuses a budget that could never decode anything', () => {
    const filter = new FramePreFilter(null);
    expect(
      () =>
        new FairIngest(
          filter,
          () => {},
          { turnBytes: 0, pauseAboveBytes: 1 },
          () => undefined,
        ),
    ).toThrow('fair ingest needs positive turnBytes and pauseAboveBytes, got 0 and 1');
  });
});
