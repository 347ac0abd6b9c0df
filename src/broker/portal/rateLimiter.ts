import {
  DOCUMENTED_ENDPOINT_LIMITS,
  DOCUMENTED_GLOBAL_LIMIT,
  endpointLimitKey,
  type RateLimit,
} from './endpointLimits';
import { SlidingWindow } from './slidingWindow';

export interface RateLimiterOptions {
  /** Fraction of each documented limit the adapter allows itself (default 0.8: 8 req/s of the gateway's 10). */
  margin?: number;
  /**
   * Pause after a 429 without Retry-After. IBKR puts a client over the limits in a penalty box for 10 minutes (default)
   * and may block one that keeps sending: nothing is sent for this long.
   */
  penaltyBoxMs?: number;
  now?: () => number;
}

export class RateLimiterClosedError extends Error {
  constructor() {
    super('rate limiter closed: the Client Portal adapter is stopping');
  }
}

/**
 * Client-side limiter: a global window plus one per documented endpoint, each scaled under the documented limit, and
 * a shared pause after a 429 so that nothing is sent while the gateway is counting us as abusive.
 */
export class RateLimiter {
  private readonly now: () => number;
  private readonly margin: number;
  private readonly penaltyBoxMs: number;
  private readonly global: SlidingWindow;
  private readonly endpoints = new Map<string, SlidingWindow>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  private pausedUntil = 0;
  private consecutive429 = 0;
  private closed = false;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.margin = options.margin ?? 0.8;
    if (!(this.margin > 0 && this.margin <= 1))
      throw new Error(`rate limit margin must be in (0, 1], got ${this.margin}`);
    this.penaltyBoxMs = options.penaltyBoxMs ?? 10 * 60_000;
    if (!(this.penaltyBoxMs > 0)) throw new Error(`penalty box must be > 0 ms, got ${this.penaltyBoxMs}`);
    this.global = this.scaled(DOCUMENTED_GLOBAL_LIMIT);
  }

  /** Resolves when a request to path may be sent, and counts it. Requests to one endpoint go out in call order. */
  acquire(path: string): Promise<void> {
    const key = endpointLimitKey(path) ?? '*';
    const previous = this.chains.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.waitForSlot(key));
    const settled = turn.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return turn;
  }

  /** A 429 arrived: pause everything for Retry-After, or the penalty box. Returns the pause in ms. */
  penalize(retryAfterMs?: number): number {
    this.consecutive429 += 1;
    const pause = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : this.penaltyBoxMs;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pause);
    return pause;
  }

  /** 429s in a row without a success between them (a repeat offender risks being blocked). */
  consecutiveRateLimits(): number {
    return this.consecutive429;
  }

  noteSuccess(): void {
    this.consecutive429 = 0;
  }

  /** Ms until requests may flow again after a 429 (0 when not paused). */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  close(): void {
    this.closed = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.reject(new RateLimiterClosedError());
    }
    this.sleepers.clear();
  }

  private async waitForSlot(key: string): Promise<void> {
    const endpoint = key === '*' ? undefined : this.endpointWindow(key);
    for (;;) {
      if (this.closed) throw new RateLimiterClosedError();
      const now = this.now();
      const wait = Math.max(this.pausedUntil - now, this.global.waitMs(now), endpoint?.waitMs(now) ?? 0);
      if (wait <= 0) {
        this.global.take(now);
        endpoint?.take(now);
        return;
      }
      await this.sleep(wait);
    }
  }

  private endpointWindow(key: string): SlidingWindow {
    let window = this.endpoints.get(key);
    if (!window) {
      window = this.scaled(DOCUMENTED_ENDPOINT_LIMITS[key]);
      this.endpoints.set(key, window);
    }
    return window;
  }

  /** 10 per s becomes 8 per s; 1 per 5 s (which cannot shrink in count) becomes 1 per 6.25 s. */
  private scaled(documented: RateLimit): SlidingWindow {
    const limit = Math.max(1, Math.floor(documented.limit * this.margin));
    const windowMs = limit === documented.limit ? Math.ceil(documented.windowMs / this.margin) : documented.windowMs;
    return new SlidingWindow(limit, windowMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        reject,
      };
      this.sleepers.add(sleeper);
    });
  }
}
