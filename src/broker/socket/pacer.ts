/**
 * IB's limit on client messages: at most 50 a second, beyond which TWS / IB Gateway answers error 100 and may
 * disconnect (IBKR TWS API documentation, "Message Pacing":
 * https://interactivebrokers.github.io/tws-api/introduction.html).
 */
export const IB_MESSAGES_PER_SECOND = 50;

/** Messages that may go out back to back: what lets the pacer catch up after a timer that fired late. */
export const PACER_BURST = 5;

/**
 * Messages of each second left to what the pacer does not send and to arrival jitter: the client library's own
 * startApi at connect, and a gateway that reads sends closer together than they left (its own or the network's
 * delays; the limit is counted where the messages arrive). A backlog paced to exactly 50 has no room for either, and
 * a message over the limit is refused with error 100: a lost reqMktData is a line that never streams.
 */
export const PACER_MARGIN = 4;

/**
 * Most sends in any one second, both ends included: the steady rate plus its burst, but no more than IB's 50 less
 * PACER_MARGIN, and never below the rate itself. 46 at the default 45/s; 45 at 40/s; above 46/s the rate itself (the
 * margin shrinks, and at 50/s it is gone).
 */
export function pacerWindowLimit(maxPerSecond: number): number {
  return Math.max(maxPerSecond, Math.min(IB_MESSAGES_PER_SECOND - PACER_MARGIN, maxPerSecond + PACER_BURST));
}

const WINDOW_MS = 1000;

/**
 * Keeps outgoing messages under IB's 50 msg/s limit. A token bucket sets the pace: one send every 1000 / maxPerSecond
 * ms, with up to PACER_BURST back to back, so a timer that fired late (a busy event loop) is made up for instead of
 * lost. A sliding window caps every second, both ends included, at pacerWindowLimit(maxPerSecond) sends: 46 at the
 * default 45/s, 4 under IB's 50. Spreading
 * them evenly matters: a burst of 45 followed by another a second later can look like 90 in one second to the
 * gateway once network jitter shifts the arrivals. Queued sends belong to one session: `clear()` drops them when that
 * session ends, so nothing is replayed onto the next connection.
 */
export class RequestPacer {
  private readonly windowLimit: number;
  /** Instants of the last windowLimit sends, oldest first (a ring). */
  private readonly sentAt: number[] = [];
  private sentHead = 0;
  private tokens = PACER_BURST;
  private refilledAt: number;
  private queue: Array<() => void> = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining = false;

  constructor(
    private readonly maxPerSecond: number,
    private readonly onSendError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowLimit = pacerWindowLimit(maxPerSecond);
    this.refilledAt = now();
  }

  enqueue(send: () => void): void {
    this.queue.push(send);
    this.drain();
  }

  /** Heartbeats jump the queue: a long subscription backlog must not delay liveness checks. */
  enqueueUrgent(send: () => void): void {
    if (this.head > 0) {
      this.queue[--this.head] = send;
    } else {
      this.queue.unshift(send);
    }
    this.drain();
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  clear(): void {
    this.queue = [];
    this.head = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private recordSend(at: number): void {
    if (this.sentAt.length < this.windowLimit) {
      this.sentAt.push(at);
    } else {
      this.sentAt[this.sentHead] = at;
      this.sentHead = (this.sentHead + 1) % this.windowLimit;
    }
  }

  private drain(): void {
    // A send may enqueue more work; the running loop picks it up.
    if (this.timer || this.draining) return;
    this.draining = true;
    try {
      this.drainNow();
    } finally {
      this.draining = false;
    }
  }

  private drainNow(): void {
    while (this.head < this.queue.length) {
      const now = this.now();
      this.tokens = Math.min(PACER_BURST, this.tokens + ((now - this.refilledAt) * this.maxPerSecond) / 1000);
      this.refilledAt = now;
      const tokenWaitMs = this.tokens < 1 ? ((1 - this.tokens) * 1000) / this.maxPerSecond : 0;
      // The window holds windowLimit sends: the next may go once the oldest of them is more than a second old.
      const oldest = this.sentAt.length < this.windowLimit ? undefined : this.sentAt[this.sentHead];
      const windowWaitMs = oldest === undefined || now - oldest > WINDOW_MS ? 0 : oldest + WINDOW_MS - now + 1;
      const waitMs = Math.max(tokenWaitMs, windowWaitMs);
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.drain();
        }, Math.ceil(waitMs));
        this.timer.unref?.();
        return;
      }
      this.tokens -= 1;
      this.recordSend(now);
      const send = this.queue[this.head];
      this.queue[this.head++] = noop;
      try {
        send();
      } catch (error) {
        this.onSendError(error);
      }
    }
    this.queue = [];
    this.head = 0;
  }
}

function noop(): void {}
