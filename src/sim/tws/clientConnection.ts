import { Socket } from 'node:net';
import { Contract, ModelGreeks } from '../model';
import { encodeFrame, InboundEvent, InboundParser } from './protocol/framing';
import { Frame } from './protocol/replies';
import { NEWEST_SUPPORTED_VERSION } from './protocol/serverVersions';
import { layoutForVersion } from './protocol/versionedLayout';
import { SimulatorSettings } from './settings';

export interface MarketDataSubscription {
  reqId: number;
  contract: Contract;
  snapshot: boolean;
  /** Model-clock instant the stream started (for Greeks that arrive only after N seconds). */
  startedAt: number;
  /** Market data type actually served: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. */
  servedType: number;
  /** Frozen data is one round of last values, not a stream. */
  streaming: boolean;
  /** False when the underlying is not entitled (10090): prices only. */
  greeksAllowed: boolean;
  /** Generic tick ids asked for in reqMktData (100, 101, 106 are filled). */
  genericTicks: Set<number>;
}

export type ConnectionPhase = 'hello' | 'startApi' | 'ready' | 'closed';

export interface ConnectionDeps {
  settings: SimulatorSettings;
  random: () => number;
  log: (level: 'info' | 'debug', message: string) => void;
}

/** One client connection: its parser, its subscriptions, and the outbound queue that applies delay faults. */
export class ClientConnection {
  phase: ConnectionPhase = 'hello';
  clientId: number | undefined;
  /** Negotiated in the handshake; every message in both directions is laid out for it. */
  serverVersion: number = NEWEST_SUPPORTED_VERSION;
  requestedMarketDataType = 1;
  readonly marketData = new Map<number, MarketDataSubscription>();
  positionsSubscribed = false;
  accountUpdates: string | undefined;
  readonly accountSummaries = new Map<number, string[]>();
  readonly pnl = new Map<number, string>();
  readonly pnlSingle = new Map<number, { account: string; conId: number }>();
  readonly lastGreeks = new Map<number, ModelGreeks>();

  private readonly parser = new InboundParser();
  /** Replies held back by the delay faults, in send order. */
  private readonly delayed: Array<{ at: number; bytes: Buffer }> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly pacingWindow: number[] = [];

  constructor(
    readonly connectionId: number,
    readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {}

  get label(): string {
    return `conn#${this.connectionId}${this.clientId === undefined ? '' : ` client ${this.clientId}`}`;
  }

  /** Feeds raw bytes; throws ProtocolViolation on garbage. */
  parse(chunk: Buffer): InboundEvent[] {
    return this.parser.push(chunk);
  }

  send(frame: Frame): void {
    this.sendBuffer(encodeFrame(layoutForVersion(frame, this.serverVersion)));
  }

  sendAll(frames: readonly Frame[]): void {
    if (frames.length === 0) return;
    this.sendBuffer(Buffer.concat(frames.map((frame) => encodeFrame(layoutForVersion(frame, this.serverVersion)))));
  }

  /** Sends bytes as they are (also used for malformed frames), through the delay/stall faults. */
  sendBuffer(bytes: Buffer): void {
    if (this.phase === 'closed' || this.deps.settings.stalled) return;
    const { replyDelayMs, replyJitterMs, burstIntervalMs } = this.deps.settings;
    if (replyDelayMs <= 0 && replyJitterMs <= 0 && burstIntervalMs <= 0 && this.delayed.length === 0) {
      this.write(bytes);
      return;
    }
    let at = Date.now() + Math.max(0, replyDelayMs) + this.deps.random() * Math.max(0, replyJitterMs);
    if (burstIntervalMs > 0) at = Math.ceil(at / burstIntervalMs) * burstIntervalMs;
    // Never overtake an earlier reply: jitter delays, it does not reorder.
    const last = this.delayed[this.delayed.length - 1];
    if (last && last.at > at) at = last.at;
    this.delayed.push({ at, bytes });
    if (this.delayed.length === 1) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    const head = this.delayed[0];
    if (!head) return;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        const now = Date.now();
        const due: Buffer[] = [];
        while (this.delayed.length && this.delayed[0].at <= now) due.push(this.delayed.shift()!.bytes);
        if (due.length) this.write(Buffer.concat(due));
        this.scheduleFlush();
      },
      Math.max(0, head.at - Date.now()),
    );
  }

  private write(bytes: Buffer): void {
    if (this.phase === 'closed' || this.deps.settings.stalled || this.socket.destroyed) return;
    this.socket.write(bytes);
  }

  /** Sliding one-second count of client messages; returns the count including this one. */
  countInbound(nowMs: number): number {
    this.pacingWindow.push(nowMs);
    while (this.pacingWindow.length && this.pacingWindow[0] <= nowMs - 1000) this.pacingWindow.shift();
    return this.pacingWindow.length;
  }

  /** Forgets every subscription (1101 "data lost", or a fresh connection). */
  forgetSubscriptions(): void {
    this.marketData.clear();
    this.positionsSubscribed = false;
    this.accountUpdates = undefined;
    this.accountSummaries.clear();
    this.pnl.clear();
    this.pnlSingle.clear();
  }

  /** 'fin': graceful close after pending writes; 'rst': abrupt reset, pending data discarded. */
  close(mode: 'fin' | 'rst'): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.delayed.length = 0;
    this.forgetSubscriptions();
    if (mode === 'rst') this.socket.resetAndDestroy();
    else {
      this.socket.end();
      // A client that never closes its side must not pin the server open.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
  }
}
