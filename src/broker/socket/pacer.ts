/**
 * IB's limit on client messages: at most 50 a second, beyond which TWS / IB Gateway answers error 100 and may
 * disconnect (IBKR TWS API documentation, "Message Pacing":
 * https://interactivebrokers.github.io/tws-api/introduction.html).
 */
export const IB_MESSAGES_PER_SECOND = 50;

/** Messages that may go out back to back before the steady rate applies, at steady rates up to 41/s. */
export const PACER_BURST = 5;

/**
 * Messages of each second left to what the pacer does not send and to arrival jitter: the client library's own
 * startApi at connect, and a gateway that reads sends closer together than they left (its own or the network's
 * delays; the limit is counted where the messages arrive). A backlog paced to exactly 50 has no room for either, and
 * a message over the limit is refused with error 100: a lost reqMktData is a line that never streams.
 */
export const PACER_MARGIN = 4;

/**
 * The burst that keeps steady rate + burst within IB's 50 less PACER_MARGIN: 5 up to 41/s, then less, one from 45/s
 * (the default: at most 46 in any second), never below one (a bucket of no token sends nothing). Above 45/s the margin
 * shrinks, and at 50/s it is gone.
 */
export function pacerBurst(maxPerSecond: number): number {
  return Math.max(1, Math.min(PACER_BURST, IB_MESSAGES_PER_SECOND - PACER_MARGIN - maxPerSecond));
}

/**
 * Keeps outgoing messages under IB's 50 msg/s limit with a token bucket: at most pacerBurst(maxPerSecond) back to
 * back, then one every 1000 / maxPerSecond ms. Any window of one second, both ends included, holds at most the
 * bucket's content at its start plus what refills during it: maxPerSecond + burst sends, 45 + 1 = 46 at the default
 * rate. At 50/s a closed window can hold 51 (a send at each end), a half-open one 50. Spreading
 * them evenly matters: a burst of 45 followed by another a second later can look like 90 in one second to the
 * gateway once network jitter shifts the arrivals. Queued sends belong to one session: `clear()` drops them when that
 * session ends, so nothing is replayed onto the next connection.
 */
export class RequestPacer {
  private readonly burst: number;
  private tokens: number;
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
    this.burst = pacerBurst(maxPerSecond);
    this.tokens = this.burst;
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
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.maxPerSecond) / 1000);
      this.refilledAt = now;
      if (this.tokens < 1) {
        const waitMs = ((1 - this.tokens) * 1000) / this.maxPerSecond;
        this.timer = setTimeout(() => {
          this.timer = null;
          this.drain();
        }, Math.ceil(waitMs));
        this.timer.unref?.();
        return;
      }
      this.tokens -= 1;
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
