/**
 * Keeps outgoing messages under IB's 50 msg/s limit with a sliding one-second window, so no second ever holds more
 * than `maxPerSecond` sends (a token bucket could burst past it). Queued sends belong to one session: `clear()`
 * drops them when that session ends, so nothing is replayed onto the next connection.
 */
export class RequestPacer {
  private readonly sentAt: number[];
  private sentIndex = 0;
  private queue: Array<() => void> = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining = false;

  constructor(
    private readonly maxPerSecond: number,
    private readonly onSendError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sentAt = new Array<number>(maxPerSecond).fill(-Infinity);
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
      const oldest = this.sentAt[this.sentIndex];
      const now = this.now();
      const waitMs = oldest + 1000 - now;
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.drain();
        }, Math.ceil(waitMs));
        this.timer.unref?.();
        return;
      }
      const send = this.queue[this.head];
      this.queue[this.head++] = noop;
      this.sentAt[this.sentIndex] = now;
      this.sentIndex = (this.sentIndex + 1) % this.sentAt.length;
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
