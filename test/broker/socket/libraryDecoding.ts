import { EventName, IBApi } from '@stoqey/ib';
import {
  installIngest,
  INGEST_DEFAULTS,
  type IngestHandle,
  type IngestSettings,
} from '../../../src/broker/socket/libraryIngest';
import type { FrameInterest } from '../../../src/broker/socket/framePreFilter';
import { encodeFrame, encodePayload, frameBuffer, type Field } from '../../../src/sim/tws/protocol/framing';
import { ReplyId } from '../../../src/sim/tws/protocol/messageIds';
import { replies } from '../../../src/sim/tws/protocol/replies';

/**
 * A real @stoqey/ib client fed bytes the way its TCP socket would feed them (the library's Socket.onData, no network),
 * for tests that compare what the library emits with and without the pre-filter.
 */
export interface FedClient {
  api: IBApi;
  handle: IngestHandle | null;
  /** What the TCP socket calls for each chunk (the ingest's entry when installed, else the library's own). */
  feed(chunk: Buffer): void;
  /** What the TCP socket calls when the peer closes. */
  end(): void;
}

interface LibrarySocketView {
  onData(data: Buffer): void;
  onEnd(): void;
  /** The library's net.Socket; a stand-in must also take the handshake's reply (write). */
  client?: { pause(): void; resume(): void; write(data: unknown): boolean };
}

export function socketOf(api: IBApi): LibrarySocketView {
  return (api as unknown as { controller: { socket: LibrarySocketView } }).controller.socket;
}

export function fedClient(interest: FrameInterest, ingest: Partial<IngestSettings> | null): FedClient {
  const api = new IBApi({ host: '127.0.0.1', port: 1 });
  const handle = ingest ? installIngest(api, interest, { ...INGEST_DEFAULTS, ...ingest }) : null;
  const socket = socketOf(api);
  // The library's connect() would have set its status; onData needs nothing else.
  return { api, handle, feed: (chunk) => socket.onData(chunk), end: () => socket.onEnd() };
}

export const HANDSHAKE = encodeFrame(replies.serverVersion(193, '20261203 15:00:00 UTC'));

export function frames(list: readonly Field[][]): Buffer {
  return Buffer.concat(list.map((fields) => encodeFrame(fields)));
}

/** Every chunking of `bytes` into two pieces, plus the whole and one byte at a time. */
export function splits(bytes: Buffer): Buffer[][] {
  const result: Buffer[][] = [[bytes], [...bytes].map((byte) => Buffer.from([byte]))];
  for (let cut = 1; cut < bytes.length; cut++) result.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  return result;
}

export const GREEKS_LINES = [1, 2];
export const PRICE_LINE = 9;
export const UNKNOWN_LINE = 77;

/**
 * Reads like MarketDataBook: options want model computations, and quote computations until their first model tick;
 * the price line wants bid/ask/last/close. The state moves as the listener below sees model ticks.
 */
export function bookLikeInterest(): FrameInterest & { sawModel: Set<number> } {
  const sawModel = new Set<number>();
  return {
    sawModel,
    wantsPriceTick: (reqId, tickType) => reqId === PRICE_LINE && [1, 2, 4, 9, 66, 67, 68, 75].includes(tickType),
    wantsOptionComputation: (reqId, tickType) =>
      GREEKS_LINES.includes(reqId) &&
      (tickType === 13 || tickType === 83 || ([10, 11, 12, 80, 81, 82].includes(tickType) && !sawModel.has(reqId))),
  };
}

interface UntypedEmitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** What the adapter acts on, in order: every non-tick event, and the tick events its interest says it reads. */
export function recordUsed(api: IBApi, interest: ReturnType<typeof bookLikeInterest>): unknown[] {
  const used: unknown[] = [];
  for (const event of [
    EventName.error,
    EventName.info,
    EventName.currentTime,
    EventName.nextValidId,
    EventName.marketDataType,
    EventName.server,
  ]) {
    (api as unknown as UntypedEmitter).on(event, (...args: unknown[]) => used.push([event, ...args]));
  }
  api.on(EventName.tickPrice, (reqId: number, field: number, value: unknown) => {
    if (interest.wantsPriceTick(reqId, field)) used.push(['tickPrice', reqId, field, value]);
  });
  api.on(EventName.tickOptionComputation, (reqId: number, field: number, ...values: unknown[]) => {
    if (!interest.wantsOptionComputation(reqId, field)) return;
    used.push(['tickOptionComputation', reqId, field, ...values]);
    if (field === 13 || field === 83) interest.sawModel.add(reqId);
  });
  return used;
}

export function computation(reqId: number, tickType: number, delta: number): Field[] {
  return replies.tickOptionComputation(reqId, tickType, 0, [0.3, delta, 2.5, 0, 0.02, 0.15, -0.05, 190.25]);
}

export function round(first: boolean, step: number): Field[][] {
  const list: Field[][] = [];
  for (const reqId of [...GREEKS_LINES, PRICE_LINE, UNKNOWN_LINE]) {
    if (first) list.push(replies.tickPrice(reqId, 9, 2.4 + step, '', 0));
    list.push(replies.tickPrice(reqId, 1, 2.45 + step, 10), replies.tickPrice(reqId, 2, 2.55 + step, 10));
    list.push(replies.tickPrice(reqId, 4, 2.5 + step, 1), replies.tickSize(reqId, 8, 1200 + step));
    if (reqId === PRICE_LINE) continue;
    for (const tickType of [10, 11, 12]) list.push(computation(reqId, tickType, 0.4 + step / 100 + tickType / 1000));
    list.push(computation(reqId, 13, 0.5 + step / 100));
  }
  list.push(replies.tickGeneric(1, 24, 0.31), replies.tickString(1, 45, '1701612000'));
  return list;
}

/** Two rounds of realistic ticks, then every oddity the library has its own answer to. */
export function mixedStream(): Buffer {
  const missingNul = encodePayload([ReplyId.currentTime, 1, 1_701_612_000, '123']);
  return Buffer.concat([
    HANDSHAKE,
    frames([replies.nextValidId(1), replies.marketDataType(1, 1), ...round(true, 0), ...round(false, 1)]),
    frames([
      [9999, 1, 'surprise'],
      [ReplyId.tickPrice, 6, 1],
      [...computation(2, 10, 0.1), 'extra'],
      [ReplyId.tickPrice, 6, 'abc', 1, 1.5, 10, 0],
      [ReplyId.tickPrice, 1, 2, 1, 1.5],
      replies.error(1, 354),
    ]),
    frameBuffer(missingNul.subarray(0, missingNul.length - 1)),
    frames([replies.tickSize(1, 0, 5), replies.tickSize(2, 0, 5)]),
    Buffer.alloc(4),
    frames([...round(false, 2), replies.currentTime(1_701_612_001)]),
  ]);
}
