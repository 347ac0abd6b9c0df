import type { FramePreFilter } from './framePreFilter';

/** The socket the bytes come from, paused while too much is waiting so the gateway (TCP) holds the rest. */
export interface IngestSource {
  pause(): void;
  resume(): void;
}

export interface FairIngestSettings {
  /** Bytes of frames decoded per event-loop turn before yielding (about 1 ms of the library's decoding per 32 KiB). */
  turnBytes: number;
  /** The socket is paused while more than this waits undecoded, and resumed below half of it. */
  pauseAboveBytes: number;
}

export const FAIR_INGEST_DEFAULTS: Readonly<FairIngestSettings> = Object.freeze({
  turnBytes: 32 * 1024,
  pauseAboveBytes: 1024 * 1024,
});

/** Runs a callback on a later turn of the event loop, after timers and I/O callbacks due by then. */
export type Yield = (callback: () => void) => void;

const nextTurn: Yield = (callback) => {
  setImmediate(callback);
};

/**
 * Decodes a connection's inbound bytes a slice at a time. A gateway writes a whole tick round (a megabyte and more)
 * at once; decoding it in one go holds the event loop for tens of milliseconds, and a timer, a database reply or a
 * workflow task waits behind it. Here every chunk is queued, and each turn (setImmediate, so timers and I/O run in
 * between) decodes at most `turnBytes` before yielding. Order is kept: bytes, and the socket's end or error, reach
 * the library exactly in the order they arrived.
 */
export class FairIngest {
  private readonly queue: Array<Buffer | (() => void)> = [];
  private queuedBytes = 0;
  /** The pre-filter holds no complete frame: the next queue entry may be taken. */
  private filterExhausted = true;
  private scheduled = false;
  private delivering = false;
  private paused = false;
  private stopped = false;
  private turnCount = 0;
  private longestTurn = 0;

  constructor(
    private readonly filter: FramePreFilter,
    private readonly deliver: (bytes: Buffer) => void,
    private readonly settings: FairIngestSettings,
    private readonly source: () => IngestSource | undefined,
    /** Complete frames arrived (dropped ones too): the connection is alive. */
    private readonly onActivity: () => void = () => {},
    private readonly later: Yield = nextTurn,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(settings.turnBytes > 0) || !(settings.pauseAboveBytes > 0)) {
      throw new Error(
        `fair ingest needs positive turnBytes and pauseAboveBytes, got ${settings.turnBytes} and ${settings.pauseAboveBytes}`,
      );
    }
  }

  /** Turns that decoded something (for the benchmark: how finely a burst was spread). */
  turns(): number {
    return this.turnCount;
  }

  /** The longest turn since the last reset, in ms (for the benchmark: what a timer may wait behind). */
  longestTurnMs(): number {
    return this.longestTurn;
  }

  resetLongestTurn(): void {
    this.longestTurn = 0;
  }

  /** Bytes received from the socket and not yet decoded or dropped. */
  backlogBytes(): number {
    return this.queuedBytes + this.filter.pendingBytes();
  }

  /** A chunk from the socket. */
  data(chunk: Buffer): void {
    if (this.stopped) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.paused && this.queuedBytes > this.settings.pauseAboveBytes) {
      this.paused = true;
      this.source()?.pause();
    }
    this.schedule();
  }

  /**
   * The socket's end or error: runs once every byte received before it was handed on, at once when nothing waits
   * (or when the library raised it itself while decoding, which is already in order).
   */
  control(run: () => void): void {
    if (this.stopped || this.delivering || (this.queue.length === 0 && this.filterExhausted)) {
      run();
      return;
    }
    this.queue.push(run);
    this.schedule();
  }

  /** The session is over: what waits is discarded and nothing more is decoded. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.later(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.turnCount++;
    let budget = this.settings.turnBytes;
    const framesBefore = this.filter.frameCount();
    const startedAt = this.now();
    this.delivering = true;
    try {
      while (budget > 0 && !this.stopped) {
        if (!this.filterExhausted) {
          const result = this.filter.drain(budget, this.deliver);
          budget -= result.bytes;
          this.filterExhausted = result.exhausted;
          continue;
        }
        const next = this.queue.shift();
        if (next === undefined) break;
        if (typeof next === 'function') {
          next();
          continue;
        }
        this.queuedBytes -= next.length;
        this.filter.push(next);
        this.filterExhausted = false;
      }
    } finally {
      this.delivering = false;
      this.longestTurn = Math.max(this.longestTurn, this.now() - startedAt);
      // Only whole frames count as a sign of life: bytes of a frame that never completes must not hide a stall.
      if (this.filter.frameCount() !== framesBefore) this.onActivity();
      if (!this.stopped) {
        if (this.paused && this.queuedBytes <= this.settings.pauseAboveBytes / 2) {
          this.paused = false;
          this.source()?.resume();
        }
        if (this.queue.length > 0 || !this.filterExhausted) this.schedule();
      }
    }
  }
}
