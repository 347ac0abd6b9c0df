/**
 * Drops inbound TWS frames nobody reads before `@stoqey/ib` splits them into fields and decodes them.
 *
 * The wire format (IBKR's TWS API documentation, https://interactivebrokers.github.io/tws-api/) is a 4-byte big-endian
 * length followed by NUL-terminated UTF-8 fields, the message id first. The library (core/io/socket.js and decoder.js
 * of @stoqey/ib 1.6.10) frames the same way; this module mirrors its quirks so a frame it drops is one the library
 * would have turned into events no one listens to, and it passes everything else byte for byte, in order:
 * - the first frame (the server version and connection time) is never dropped;
 * - a frame without a trailing NUL leaves a fragment the library glues onto the next frame: such a frame and the one
 *   after it are passed;
 * - a frame is only dropped when its field count is exactly what the library's decoder reads, since any other count
 *   makes the library report a decoding error (code 505) that must still be seen;
 * - a length the library would choke on (negative as a signed int, or beyond MAX_FILTERED_FRAME) switches to raw
 *   mode: every byte from there on goes to the library untouched, so it fails exactly as it would have.
 * When in doubt a frame is passed: a needed frame dropped is a wrong number, an unneeded one passed costs microseconds.
 */

/**
 * What the data side reads, asked per frame (see MarketDataBook.wantsPriceTick / wantsOptionComputation). A frame is
 * judged before the frames ahead of it in the same slice are decoded, so "not wanted" must be final for that request
 * id and tick type, while "wanted" may later turn into "not wanted" (the frame is then passed and ignored).
 */
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
 * Ends (index of the closing NUL) of the fields of the payload in bytes[start, end), written to FIELD_ENDS; returns
 * their count, or -1 when the payload is not a sequence of NUL-terminated fields or has more than MAX_FIELDS. One
 * shared array: the hot path allocates nothing per frame (the stream runs at tens of thousands of frames a second).
 */
const MAX_FIELDS = 12;
const FIELD_ENDS = new Int32Array(MAX_FIELDS);

function splitFields(bytes: Buffer, start: number, end: number): number {
  if (end <= start || bytes[end - 1] !== NUL) return -1;
  let count = 0;
  // A plain loop: tick payloads are under 200 bytes, where a native indexOf per field costs more in calls.
  for (let i = start; i < end; i++) {
    if (bytes[i] !== NUL) continue;
    if (count === MAX_FIELDS) return -1;
    FIELD_ENDS[count++] = i;
  }
  return count;
}

/** A field of ASCII digits only, as an integer; -1 for anything else (empty, signs, spaces, too long). */
function digits(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > MAX_ID_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte < DIGIT_0 || byte > DIGIT_9) return -1;
    value = value * 10 + (byte - DIGIT_0);
  }
  return value;
}

/** Field i (after splitFields on a payload starting at `start`) as plain digits, else -1. */
function numberField(bytes: Buffer, start: number, i: number): number {
  return digits(bytes, i === 0 ? start : FIELD_ENDS[i - 1] + 1, FIELD_ENDS[i]);
}

/** The message id of the payload in bytes[start, end), or -1 when it is not plain digits. */
export function messageId(bytes: Buffer, start = 0, end = bytes.length): number {
  const close = bytes.indexOf(NUL, start);
  return close < 0 || close >= end ? -1 : digits(bytes, start, close);
}

/** Whether the message id is one this module may drop; frames of other ids are passed without a look inside. */
export function isDroppableKind(id: number): boolean {
  return (
    id === TICK_PRICE || id === TICK_SIZE || id === TICK_OPTION_COMPUTATION || id === TICK_GENERIC || id === TICK_STRING
  );
}

/**
 * Whether the library would decode the payload in bytes[start, end) (a complete frame without its length) into
 * events no one uses. Pure apart from the questions it asks `context`.
 */
/** Which of the library's events that a dropped frame would have emitted have listeners, asked once per slice. */
export interface Listening {
  everything: boolean;
  tickSize: boolean;
  tickGeneric: boolean;
  tickString: boolean;
}

export function listeningOf(listeners: ListenerCount): Listening {
  return {
    // Someone watching every message (the library's 'all' and 'result' events) would notice a missing one.
    everything: listeners('all') > 0 || listeners('result') > 0,
    tickSize: listeners('tickSize') > 0,
    tickGeneric: listeners('tickGeneric') > 0,
    tickString: listeners('tickString') > 0,
  };
}

export function isIgnorable(
  bytes: Buffer,
  serverVersion: number,
  context: FrameFilterContext,
  start = 0,
  end = bytes.length,
  listening: Listening = listeningOf(context.listeners),
): boolean {
  // No readable server version in the handshake: the field layout of the computations is unknown.
  if (serverVersion < 0) return false;
  const id = messageId(bytes, start, end);
  if (!isDroppableKind(id)) return false;
  const { interest } = context;
  if (listening.everything) return false;
  const count = splitFields(bytes, start, end);
  if (count < 0) return false;
  if (id === TICK_OPTION_COMPUTATION) return isIgnorableComputation(bytes, start, count, serverVersion, interest);
  const version = numberField(bytes, start, 1);
  const reqId = numberField(bytes, start, 2);
  const tickType = numberField(bytes, start, 3);
  if (version < 0 || reqId < 0 || tickType < 0) return false;
  if (id === TICK_PRICE) {
    // [id, version, reqId, tickType, price, size (v >= 2), attributes (v >= 3)]; also emitted as tickSize.
    if (version < 1 || count !== 5 + (version >= 2 ? 1 : 0) + (version >= 3 ? 1 : 0)) return false;
    return !listening.tickSize && !interest.wantsPriceTick(reqId, tickType);
  }
  // tickSize, tickGeneric, tickString: [id, version, reqId, tickType, value], read by no one in this adapter unless
  // a listener says otherwise.
  if (count !== 5) return false;
  return !(id === TICK_SIZE ? listening.tickSize : id === TICK_GENERIC ? listening.tickGeneric : listening.tickString);
}

function isIgnorableComputation(
  bytes: Buffer,
  start: number,
  count: number,
  serverVersion: number,
  interest: FrameInterest,
): boolean {
  if (serverVersion >= PRICE_BASED_VOLATILITY) {
    // [id, reqId, tickType, tickAttrib, iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice]
    const reqId = numberField(bytes, start, 1);
    const tickType = numberField(bytes, start, 2);
    if (reqId < 0 || tickType < 0 || count !== 12) return false;
    return !interest.wantsOptionComputation(reqId, tickType);
  }
  // [id, version, reqId, tickType, iv, delta, optPrice + pvDividend (v >= 6 or model), 4 Greeks + undPrice (v >= 6)]
  const version = numberField(bytes, start, 1);
  const reqId = numberField(bytes, start, 2);
  const tickType = numberField(bytes, start, 3);
  if (version < 0 || reqId < 0 || tickType < 0) return false;
  const model = tickType === MODEL_OPTION || tickType === DELAYED_MODEL_OPTION;
  const expected = 6 + (version >= 6 || model ? 2 : 0) + (version >= 6 ? 4 : 0);
  if (count !== expected) return false;
  return !interest.wantsOptionComputation(reqId, tickType);
}

/** The kept ranges of `buffer`, copied into one buffer of `total` bytes. */
function joinRuns(buffer: Buffer, runs: readonly number[], total: number): Buffer {
  const joined = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) at += buffer.copy(joined, at, runs[i], runs[i + 1]);
  return joined;
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
  /** [from, to) pairs of kept bytes in the current drain, reused between calls. */
  private readonly runs: number[] = [];
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
   * Consumes complete frames until about `budget` bytes were consumed and hands the kept ones to `deliver` in one
   * piece, in order. Frames are judged before the kept frames ahead of them in the same call reach the library: the
   * interest's "not wanted" must therefore be final (see FrameInterest).
   */
  drain(budget: number, deliver: (bytes: Buffer) => void): DrainResult {
    if (this.raw) return this.drainRaw(budget, deliver);
    const buffer = this.buffer;
    const runs = this.runs;
    runs.length = 0;
    let position = this.offset;
    let keptFrom = position;
    let keptBytes = 0;
    let consumed = 0;
    let choked = false;
    // Listeners are only added or removed by handlers, which run after this slice is judged.
    const listening = this.context ? listeningOf(this.context.listeners) : null;
    while (consumed < budget && buffer.length - position >= 4) {
      const length = buffer.readInt32BE(position);
      if (length < 0 || length > MAX_FILTERED_FRAME) {
        choked = true;
        break;
      }
      const end = position + 4 + length;
      if (end > buffer.length) break;
      this.counts.frames++;
      if (!this.handshakeSeen) {
        this.handshakeSeen = true;
        this.serverVersion = messageId(buffer, position + 4, end);
      } else if (
        this.fragmentEmpty &&
        isIgnorable(buffer, this.serverVersion, this.context!, position + 4, end, listening!)
      ) {
        this.counts.dropped++;
        this.counts.droppedBytes += end - position;
        if (position > keptFrom) {
          runs.push(keptFrom, position);
          keptBytes += position - keptFrom;
        }
        keptFrom = end;
      }
      // A kept frame without a trailing NUL leaves the library a fragment (a dropped frame always ends in one).
      if (keptFrom !== end && length > 0) this.fragmentEmpty = buffer[end - 1] === NUL;
      consumed += end - position;
      position = end;
    }
    if (position > keptFrom) {
      runs.push(keptFrom, position);
      keptBytes += position - keptFrom;
    }
    // The offset moves first: should the library throw while decoding, what it was given counts as handed over (as
    // it would have been), neither replayed nor skipped.
    this.offset = position;
    if (runs.length === 2) deliver(buffer.subarray(runs[0], runs[1]));
    else if (runs.length > 2) deliver(joinRuns(buffer, runs, keptBytes));
    if (choked) {
      // A length the library would choke on: from here on it gets every byte as it comes, and fails as it would.
      this.raw = true;
      const rest = this.drainRaw(budget - consumed, deliver);
      return { bytes: consumed + rest.bytes, exhausted: rest.exhausted };
    }
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
