import { readyConnections, SimContext } from './context';
import { pnlFrame, pnlSingleFrame } from './handlers/account';
import { Frame } from './protocol/replies';
import { tickRound } from './tickRound';

/**
 * Drives the periodic feeds: a tick round every tickIntervalMs for every streaming subscription, and PnL updates
 * every pnlIntervalMs. One round for one connection goes out as two socket writes: quotes, then model computations.
 */
export class MarketDataStreamer {
  private tickTimer: NodeJS.Timeout | undefined;
  private pnlTimer: NodeJS.Timeout | undefined;
  rounds = 0;
  framesSent = 0;

  constructor(private readonly ctx: SimContext) {}

  start(): void {
    this.stop();
    this.tickTimer = setInterval(() => this.publishTicks(), this.ctx.settings.tickIntervalMs);
    this.pnlTimer = setInterval(() => this.publishPnl(), this.ctx.settings.pnlIntervalMs);
  }

  /** Re-reads the intervals after a settings change. */
  restart(): void {
    if (this.tickTimer) this.start();
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.pnlTimer) clearInterval(this.pnlTimer);
    this.tickTimer = undefined;
    this.pnlTimer = undefined;
  }

  publishTicks(): void {
    if (this.ctx.outage || this.ctx.settings.stalled) return;
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
      connection.sendAll(quotes);
      // Model computations go out in a second write: clients must not rely on them sharing a write with the quotes.
      if (model.length > 0) setImmediate(() => connection.sendAll(model));
    }
  }

  publishPnl(): void {
    if (this.ctx.outage || this.ctx.settings.stalled) return;
    for (const connection of readyConnections(this.ctx)) {
      const frames: Frame[] = [];
      for (const [reqId, account] of connection.pnl) frames.push(pnlFrame(this.ctx, reqId, account));
      for (const [reqId, single] of connection.pnlSingle)
        frames.push(pnlSingleFrame(this.ctx, reqId, single.account, single.conId));
      connection.sendAll(frames);
    }
  }
}
