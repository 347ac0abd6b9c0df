/**
 * Drops inbound TWS frames nobody reads before `@stoqey/ib` splits them into fields and decodes them.
 *
 * The wire format (IBKR's TWS API, "message framing": https://interactivebrokers.github.io/tws-api/message_framing.html)
 * is a 4-byte big-endian length followed by NUL-terminated UTF-8 fields, the message id first. The library
 * (core/io/socket.js and decoder.js of @stoqey/ib 1.6.10) frames the same way; this module mirrors its quirks so a
 * frame it drops is one the library would have turned into events no one listens to, and it passes everything else
 * byte for byte, in order:
 * - the first frame (the server version and connection time) is never dropped;
 * - a frame without a trailing NUL leaves a fragment the library glues onto the next frame: such a frame and the one
 *   after it are passed;
 * - a frame is only dropped when its field count is exactly what the library's decoder reads, since any other count
 *   makes the library report a decoding error (code 505) that must still be seen;
 * - a length the library would choke on (negative as a signed int, or beyond MAX_FILTERED_FRAME) switches to raw
 *   mode: every byte from there on goes to the library untouched, so it fails exactly as it would have.
 * When in doubt a frame is passed: a needed frame dropped is a wrong number, an unneeded one passed costs microseconds.
 */

/** What the data side reads, asked per frame (see MarketDataBook.wantsPriceTick / wantsOptionComputation). */
export interface FrameInterest {
  wantsPriceTick(reqId: number, tickType: number): boolean;
  wantsOptionComputation(reqId: number, tickType: number): boolean;
}

/** How many listeners an event of the library's IBApi has (IBApi is an EventEmitter). */
export type ListenerCount = (event: string) => number;

export interface FrameFilterContext {
  interest: FrameInterest;
  listeners: ListenerCount;
}

/** Message ids (IN_MSG_ID) of the frames that may be dropped. */
const TICK_PRICE = 1;
const TICK_SIZE = 2;
const TICK_OPTION_COMPUTATION = 21;
const TICK_GENERIC = 45;
const TICK_STRING = 46;
/** From this server version on, tickOptionComputation has no version field but a tick attribute (MIN_SERVER_VER). */
const PRICE_BASED_VOLATILITY = 156;
const MODEL_OPTION = 13;
const DELAYED_MODEL_OPTION = 83;
/** Tick frames are under 200 bytes; anything this long is passed through raw (the library's own limit is 16 MB). */
export const MAX_FILTERED_FRAME = 1 << 20;
/** The library drops its connection when its buffer holds more than this (MAX_V100_MESSAGE_LENGTH). */
const LIBRARY_MAX_BUFFER = 0xffffff;
/** Tokens longer than this are not parsed as ids: parseInt and this parser could then disagree on the value. */
const MAX_ID_DIGITS = 9;
const NUL = 0;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const EMPTY = Buffer.alloc(0);

/**
 * Field boundaries of one payload: ends[i] is the index of the NUL closing field i. Returns null when the payload is
 * not a sequence of NUL-terminated fields or has more than `max` of them.
 */
function fieldEnds(payload: Buffer, max: number): number[] | null {
  if (payload.length === 0 || payload[payload.length - 1] !== NUL) return null;
  const ends: number[] = [];
  let from = 0;
  while (from < payload.length) {
    const end = payload.indexOf(NUL, from);
    ends.push(end);
    if (ends.length > max) return null;
    from = end + 1;
  }
  return ends;
}

/** A field of ASCII digits only, as an integer; -1 for anything else (empty, signs, spaces, too long). */
function digits(payload: Buffer, start: number, end: number): number {
  if (end <= start || end - start > MAX_ID_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = payload[i];
    if (byte < DIGIT_0 || byte > DIGIT_9) return -1;
    value = value * 10 + (byte - DIGIT_0);
  }
  return value;
}

/** The message id of a payload, or -1 when it is not plain digits. */
export function messageId(payload: Buffer): number {
  const end = payload.indexOf(NUL);
  return end < 0 ? -1 : digits(payload, 0, end);
}

/** Whether the message id is one this module may drop; frames of other ids are passed without a look inside. */
export function isDroppableKind(id: number): boolean {
  return (
    id === TICK_PRICE || id === TICK_SIZE || id === TICK_OPTION_COMPUTATION || id === TICK_GENERIC || id === TICK_STRING
  );
}

/**
 * Whether the library would decode this payload (a complete, NUL-terminated frame without its length) into events
 * no one uses. Pure apart from the questions it asks `context`.
 */
export function isIgnorable(payload: Buffer, serverVersion: number, context: FrameFilterContext): boolean {
  const { listeners, interest } = context;
  // No readable server version in the handshake: the field layout of the computations is unknown.
  if (serverVersion < 0) return false;
  // Someone watching every message (the library's 'all' and 'result' events) would notice a missing one.
  if (listeners('all') > 0 || listeners('result') > 0) return false;
  const ends = fieldEnds(payload, 12);
  if (!ends) return false;
  const field = (i: number) => digits(payload, i === 0 ? 0 : ends[i - 1] + 1, ends[i]);
  const id = field(0);
  switch (id) {
    case TICK_PRICE: {
      // [id, version, reqId, tickType, price, size (v >= 2), attributes (v >= 3)]; also emitted as tickSize.
      const version = field(1);
      const reqId = field(2);
      const tickType = field(3);
      if (version < 1 || reqId < 0 || tickType < 0) return false;
      if (ends.length !== 5 + (version >= 2 ? 1 : 0) + (version >= 3 ? 1 : 0)) return false;
      return listeners('tickSize') === 0 && !interest.wantsPriceTick(reqId, tickType);
    }
    case TICK_SIZE:
    case TICK_GENERIC:
    case TICK_STRING: {
      // [id, version, reqId, tickType, value]: read by no one in this adapter unless a listener says otherwise.
      if (field(1) < 0 || field(2) < 0 || field(3) < 0 || ends.length !== 5) return false;
      const event = id === TICK_SIZE ? 'tickSize' : id === TICK_GENERIC ? 'tickGeneric' : 'tickString';
      return listeners(event) === 0;
    }
    case TICK_OPTION_COMPUTATION:
      return isIgnorableComputation(field, ends.length, serverVersion, interest);
    default:
      return false;
  }
}

function isIgnorableComputation(
  field: (i: number) => number,
  count: number,
  serverVersion: number,
  interest: FrameInterest,
): boolean {
  if (serverVersion >= PRICE_BASED_VOLATILITY) {
    // [id, reqId, tickType, tickAttrib, iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice]
    const reqId = field(1);
    const tickType = field(2);
    if (reqId < 0 || tickType < 0 || count !== 12) return false;
    return !interest.wantsOptionComputation(reqId, tickType);
  }
  // [id, version, reqId, tickType, iv, delta, optPrice + pvDividend (v >= 6 or model), 4 Greeks + undPrice (v >= 6)]
  const version = field(1);
  const reqId = field(2);
  const tickType = field(3);
  if (version < 0 || reqId < 0 || tickType < 0) return false;
  const model = tickType === MODEL_OPTION || tickType === DELAYED_MODEL_OPTION;
  const expected = 6 + (version >= 6 || model ? 2 : 0) + (version >= 6 ? 4 : 0);
  if (count !== expected) return false;
  return !interest.wantsOptionComputation(reqId, tickType);
}

export interface DrainResult {
  /** Bytes of complete frames (passed or dropped) or raw bytes consumed by this call. */
  bytes: number;
  /** Nothing complete is left: at most a partial frame waits for more bytes. */
  exhausted: boolean;
}

export interface PreFilterStats {
  frames: number;
  dropped: number;
  droppedBytes: number;
  /** Raw mode: a length the library would choke on was seen and everything since goes through untouched. */
  raw: boolean;
}

/**
 * The byte stream of one connection, re-framed: complete frames the library would decode into unused events are
 * dropped, everything else is handed on in order. Frames may arrive split anywhere or many to a chunk. With no
 * context (pre-filtering off) every byte is handed on raw.
 */
export class FramePreFilter {
  private buffer: Buffer = EMPTY;
  private offset = 0;
  private handshakeSeen = false;
  private serverVersion = 0;
  /** The library keeps no unterminated fragment of an earlier frame (see the module comment). */
  private fragmentEmpty = true;
  private raw: boolean;
  private readonly counts = { frames: 0, dropped: 0, droppedBytes: 0 };

  constructor(private readonly context: FrameFilterContext | null) {
    this.raw = context === null;
  }

  stats(): PreFilterStats {
    return { ...this.counts, raw: this.raw };
  }

  /** Complete frames seen so far (none in raw mode, where the library alone knows). */
  frameCount(): number {
    return this.counts.frames;
  }

  /** Bytes received and not yet consumed (a partial frame, or frames drain has not reached). */
  pendingBytes(): number {
    return this.buffer.length - this.offset;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const left = this.buffer.length - this.offset;
    // A chunk the library would have refused together with its buffered partial frame is handed over raw, so it is.
    if (!this.raw && left + chunk.length > LIBRARY_MAX_BUFFER) this.raw = true;
    this.buffer = left === 0 ? chunk : Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /**
   * Consumes complete frames until about `budget` bytes were consumed, handing kept bytes to `deliver` in order. A
   * frame that may be dropped is only judged after everything before it was delivered, so the interest it asks
   * reflects every earlier frame.
   */
  drain(budget: number, deliver: (bytes: Buffer) => void): DrainResult {
    if (this.raw) return this.drainRaw(budget, deliver);
    const buffer = this.buffer;
    let position = this.offset;
    let consumed = 0;
    // Kept frames from this.offset to `to` go out as one slice. The offset moves first: should the library throw while
    // decoding them, they count as handed over (as they would have been) and are neither replayed nor skipped.
    const flush = (to: number) => {
      const from = this.offset;
      this.offset = to;
      if (to > from) deliver(buffer.subarray(from, to));
    };
    while (consumed < budget && buffer.length - position >= 4) {
      const length = buffer.readInt32BE(position);
      if (length < 0 || length > MAX_FILTERED_FRAME) {
        flush(position);
        this.raw = true;
        const rest = this.drainRaw(budget - consumed, deliver);
        return { bytes: consumed + rest.bytes, exhausted: rest.exhausted };
      }
      const end = position + 4 + length;
      if (end > buffer.length) break;
      const payload = buffer.subarray(position + 4, end);
      this.counts.frames++;
      let kept = true;
      if (!this.handshakeSeen) {
        this.handshakeSeen = true;
        this.serverVersion = digits(payload, 0, payload.indexOf(NUL));
      } else if (this.fragmentEmpty && isDroppableKind(messageId(payload))) {
        flush(position);
        if (isIgnorable(payload, this.serverVersion, this.context!)) {
          kept = false;
          this.counts.dropped++;
          this.counts.droppedBytes += end - position;
          this.offset = end;
        }
      }
      if (kept && length > 0) this.fragmentEmpty = payload[length - 1] === NUL;
      consumed += end - position;
      position = end;
    }
    flush(position);
    return { bytes: consumed, exhausted: !this.hasCompleteFrame() };
  }

  private drainRaw(budget: number, deliver: (bytes: Buffer) => void): DrainResult {
    const end = Math.min(this.buffer.length, this.offset + Math.max(1, budget));
    const bytes = this.buffer.subarray(this.offset, end);
    this.offset = end;
    if (bytes.length > 0) deliver(bytes);
    return { bytes: bytes.length, exhausted: this.offset === this.buffer.length };
  }

  private hasCompleteFrame(): boolean {
    const left = this.buffer.length - this.offset;
    if (left < 4) return false;
    const length = this.buffer.readInt32BE(this.offset);
    return length < 0 || length > MAX_FILTERED_FRAME || left >= 4 + length;
  }
}
