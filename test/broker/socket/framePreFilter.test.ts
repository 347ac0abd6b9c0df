import { EventName } from '@stoqey/ib';
import { FramePreFilter, isIgnorable, MAX_FILTERED_FRAME } from '../../../src/broker/socket/framePreFilter';
import { encodeFrame, encodePayload, frameBuffer, type Field } from '../../../src/sim/tws/protocol/framing';
import { ReplyId } from '../../../src/sim/tws/protocol/messageIds';
import { replies } from '../../../src/sim/tws/protocol/replies';
import {
  bookLikeInterest,
  computation,
  fedClient,
  frames,
  HANDSHAKE,
  mixedStream,
  PRICE_LINE,
  recordUsed,
  round,
  splits,
  UNKNOWN_LINE,
} from './libraryDecoding';

function decode(chunks: Buffer[], preFilter: boolean): { used: unknown[]; dropped: number } {
  const interest = bookLikeInterest();
  const client = fedClient(interest, preFilter ? { preFilter: true, fairShare: false } : null);
  const used = recordUsed(client.api, interest);
  for (const chunk of chunks) client.feed(chunk);
  return { used, dropped: client.handle?.stats().dropped ?? 0 };
}

describe('frame pre-filter', () => {
  it('gives the adapter the same events as the plain library however the stream is split, and drops the rest', () => {
    const stream = mixedStream();
    const expected = decode([stream], false).used;
    const whole = decode([stream], true);
    expect(whole.used).toEqual(expected);
    // Sizes, generic and string ticks, prices on option lines, quote computations once a model tick came.
    expect(whole.dropped).toBeGreaterThan(30);
    for (const chunks of splits(stream)) {
      const filtered = decode(chunks, true);
      expect(filtered.used).toEqual(expected);
      // Quote computations that arrive with their line's first model tick in one slice are passed (judged before it).
      expect(filtered.dropped).toBeGreaterThan(30);
    }
  });

  it('passes unknown and malformed frames to the library, which reports them as before', () => {
    const stream = mixedStream();
    const errors = (used: unknown[]) => used.filter((entry) => (entry as unknown[])[0] === EventName.error);
    const plain = errors(decode([stream], false).used);
    // Unknown id (two reports), short tickPrice, extra field, glued fragment, empty frame, and the 354 itself.
    expect(plain.length).toBeGreaterThanOrEqual(6);
    expect(errors(decode([stream], true).used)).toEqual(plain);
  });

  it('hands everything over untouched from a length the library would choke on', () => {
    const before = frames(round(true, 0));
    const after = frames([...round(false, 1), replies.currentTime(1_701_612_001)]);
    // (A negative length as a signed int sends the library itself into an endless loop: not a case to compare.)
    for (const declared of [0x00fffff0, 0x01000000, MAX_FILTERED_FRAME + 1]) {
      const bogus = frameBuffer(encodePayload([ReplyId.currentTime, 1, 1]), declared);
      const stream = Buffer.concat([HANDSHAKE, before, bogus, after]);
      const expected = decode([stream], false).used;
      for (const chunks of [[stream], [stream.subarray(0, 700), stream.subarray(700)]]) {
        expect(decode(chunks, true).used).toEqual(expected);
      }
    }
  });

  it('never drops the handshake, even when it looks like a tick', () => {
    const fakeHandshake = encodeFrame([ReplyId.tickSize, 6, 1, 8, 100]);
    const filter = new FramePreFilter({ interest: bookLikeInterest(), listeners: () => 0 });
    filter.push(Buffer.concat([fakeHandshake, encodeFrame(replies.tickSize(1, 8, 100))]));
    const delivered: Buffer[] = [];
    filter.drain(Number.MAX_SAFE_INTEGER, (bytes) => delivered.push(Buffer.from(bytes)));
    expect(Buffer.concat(delivered)).toEqual(fakeHandshake);
    expect(filter.stats()).toMatchObject({ frames: 2, dropped: 1 });
  });

  describe('isIgnorable', () => {
    const interest = bookLikeInterest();
    const none = { interest, listeners: () => 0 };
    const payload = (fields: Field[]) => encodePayload(fields);

    it('reads the option computation with and without the version field, by server version', () => {
      const modern = payload(computation(1, 10, 0.4));
      expect(isIgnorable(modern, 193, none)).toBe(false);
      expect(isIgnorable(payload(computation(UNKNOWN_LINE, 13, 0.4)), 193, none)).toBe(true);
      // Before 156: [id, version, reqId, tickType, iv, delta, (optPrice, pvDividend), (gamma, vega, theta, undPrice)].
      const old = (reqId: number, tickType: number, version: number, values: Field[]) =>
        payload([ReplyId.tickOptionComputation, version, reqId, tickType, ...values]);
      expect(isIgnorable(old(UNKNOWN_LINE, 10, 6, [0.3, 0.5, 2, 0, 0.1, 0.2, -0.1, 190]), 155, none)).toBe(true);
      expect(isIgnorable(old(UNKNOWN_LINE, 10, 5, [0.3, 0.5]), 155, none)).toBe(true);
      expect(isIgnorable(old(UNKNOWN_LINE, 13, 5, [0.3, 0.5, 2, 0]), 155, none)).toBe(true);
      // A field count the decoder would not read exactly (it reports 505): passed.
      expect(isIgnorable(old(UNKNOWN_LINE, 10, 5, [0.3, 0.5, 2]), 155, none)).toBe(false);
      expect(isIgnorable(old(UNKNOWN_LINE, 13, 5, [0.3, 0.5]), 155, none)).toBe(false);
      expect(isIgnorable(old(1, 13, 6, [0.3, 0.5, 2, 0, 0.1, 0.2, -0.1, 190]), 155, none)).toBe(false);
    });

    it('keeps every tick someone listens to', () => {
      const size = payload(replies.tickSize(UNKNOWN_LINE, 8, 10));
      const price = payload(replies.tickPrice(UNKNOWN_LINE, 1, 2.5, 10));
      expect(isIgnorable(size, 193, none)).toBe(true);
      expect(isIgnorable(price, 193, none)).toBe(true);
      // tickPrice also comes out as a tickSize event.
      const sizeListener = { interest, listeners: (event: string) => (event === 'tickSize' ? 1 : 0) };
      expect(isIgnorable(size, 193, sizeListener)).toBe(false);
      expect(isIgnorable(price, 193, sizeListener)).toBe(false);
      const watchingAll = { interest, listeners: (event: string) => (event === 'all' ? 1 : 0) };
      expect(isIgnorable(payload(computation(UNKNOWN_LINE, 13, 0.4)), 193, watchingAll)).toBe(false);
      expect(isIgnorable(payload(replies.tickPrice(PRICE_LINE, 4, 2.5, 1)), 193, none)).toBe(false);
    });

    it('passes ids, versions and request ids that are not plain digits, and an unknown server version', () => {
      expect(isIgnorable(payload([' 2', 6, UNKNOWN_LINE, 8, 10]), 193, none)).toBe(false);
      expect(isIgnorable(payload([ReplyId.tickSize, 6, -3, 8, 10]), 193, none)).toBe(false);
      expect(isIgnorable(payload([ReplyId.tickSize, '', UNKNOWN_LINE, 8, 10]), 193, none)).toBe(false);
      expect(isIgnorable(payload([ReplyId.tickSize, 6, '1'.repeat(12), 8, 10]), 193, none)).toBe(false);
      expect(isIgnorable(payload(replies.tickSize(UNKNOWN_LINE, 8, 10)), -1, none)).toBe(false);
    });
  });
});
