import { ClientConnection } from './clientConnection';
import { count, readyConnections, SimContext } from './context';
import { pnlFrame, pnlSingleFrame } from './handlers/account';
import { Frame } from './protocol/replies';
import { phaseSlot, spreadSlots } from './spreadPhase';
import { realStreamTimers, StreamTimers } from './streamTimers';
import { tickRound } from './tickRound';

/**
 * Drives the periodic feeds: every streaming subscription gets one tick round per tickIntervalMs, written as the
 * stream mode says (settings.streamMode), and PnL updates go out every pnlIntervalMs.
 * - spread: the interval is cut into slots (spreadSlots) and each line sends in its own slot (phaseSlot), its
 *   quotes in one write and its model computation in the next, so a client gets many small writes across the
 *   interval, as from a gateway;
 * - round: one write with every line's quotes, then one with every model computation, all at the interval's start;
 * - burst: burstUpdates rounds of every line in one write, at the interval's start.
 */
export class MarketDataStreamer {
  private tickTimer: unknown;
  private pnlTimer: unknown;
  private slots = 1;
  private nextSlot = 0;
  rounds = 0;
  framesSent = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly timers: StreamTimers = realStreamTimers,
  ) {}

  start(): void {
    this.stop();
    const { tickIntervalMs, streamMode, pnlIntervalMs } = this.ctx.settings;
    if (streamMode === 'spread') {
      this.slots = spreadSlots(tickIntervalMs);
      this.nextSlot = 0;
      this.tickTimer = this.timers.setInterval(() => this.publishSlot(), tickIntervalMs / this.slots);
    } else {
      this.tickTimer = this.timers.setInterval(
        () => (streamMode === 'burst' ? this.publishBurst(this.ctx.settings.burstUpdates) : this.publishTicks()),
        tickIntervalMs,
      );
    }
    this.pnlTimer = this.timers.setInterval(() => this.publishPnl(), pnlIntervalMs);
  }

  /** Re-reads the intervals and the stream mode after a settings change. */
  restart(): void {
    if (this.tickTimer !== undefined) this.start();
  }

  stop(): void {
    if (this.tickTimer !== undefined) this.timers.clearInterval(this.tickTimer);
    if (this.pnlTimer !== undefined) this.timers.clearInterval(this.pnlTimer);
    this.tickTimer = undefined;
    this.pnlTimer = undefined;
  }

  private streaming(): boolean {
    return !this.ctx.outage && !this.ctx.settings.stalled;
  }

  /** A whole round now, every line at once: quotes in one write per connection, model computations in a second. */
  publishTicks(): void {
    if (!this.streaming()) return;
    const t = this.ctx.model.now();
    this.rounds += 1;
    for (const connection of readyConnections(this.ctx)) {
      const quotes: Frame[] = [];
      const model: Frame[] = [];
      for (const sub of connection.marketData.values()) {
        if (!sub.streaming) continue;
        const round = tickRound(this.ctx, connection, sub, t);
        quotes.push(...round.quotes);
        model.push(...round.model);
      }
      this.framesSent += quotes.length + model.length;
      this.write(connection, quotes);
      // Model computations go out in a second write: clients must not rely on them sharing a write with the quotes.
      if (model.length > 0) setImmediate(() => this.write(connection, model));
    }
  }

  /** The lines whose phase is the next slot of the interval, each in writes of its own. */
  publishSlot(): void {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slots;
    if (!this.streaming()) return;
    if (slot === 0) this.rounds += 1;
    const t = this.ctx.model.now();
    for (const connection of readyConnections(this.ctx)) {
      for (const sub of connection.marketData.values()) {
        if (!sub.streaming || phaseSlot(sub.reqId, this.slots) !== slot) continue;
        const round = tickRound(this.ctx, connection, sub, t);
        this.framesSent += round.quotes.length + round.model.length;
        this.write(connection, round.quotes);
        this.write(connection, round.model);
      }
    }
  }

  /** `updates` rounds of every line in one write per connection: a market-open burst. */
  publishBurst(updates: number): void {
    if (!this.streaming()) return;
    const t = this.ctx.model.now();
    this.rounds += updates;
    for (const connection of readyConnections(this.ctx)) {
      const frames: Frame[] = [];
      for (let update = 0; update < updates; update++) {
        for (const sub of connection.marketData.values()) {
          if (!sub.streaming) continue;
          const round = tickRound(this.ctx, connection, sub, t);
          frames.push(...round.quotes, ...round.model);
        }
      }
      this.framesSent += frames.length;
      this.write(connection, frames);
    }
  }

  publishPnl(): void {
    if (!this.streaming()) return;
    for (const connection of readyConnections(this.ctx)) {
      const frames: Frame[] = [];
      for (const [reqId, account] of connection.pnl) frames.push(pnlFrame(this.ctx, reqId, account));
      for (const [reqId, single] of connection.pnlSingle)
        frames.push(pnlSingleFrame(this.ctx, reqId, single.account, single.conId));
      connection.sendAll(frames);
    }
  }

  private write(connection: ClientConnection, frames: Frame[]): void {
    if (frames.length === 0) return;
    // Counted (counter tickWrites) so tests can tell one write per line from one per round.
    count(this.ctx, 'tickWrites');
    connection.sendAll(frames);
  }
}
