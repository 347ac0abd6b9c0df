import type { EventName, IBApi } from '@stoqey/ib';
import type { RequestPacer } from './pacer';

/** Wraps a handler so an exception is reported instead of escaping into the socket's data callback. */
export type HandlerGuard = <Args extends unknown[]>(
  name: string,
  handler: (...args: Args) => void,
) => (...args: Args) => void;

interface UntypedEmitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * One TCP connection to TWS / IB Gateway. Every request goes through the pacer and is dropped once the session has
 * ended, so nothing queued for a dead connection is ever replayed onto the next one (a cause of 322 duplicates).
 */
export class Session {
  private ended = false;
  private ready = false;

  constructor(
    readonly id: number,
    readonly api: IBApi,
    private readonly pacer: RequestPacer,
    private readonly guard: HandlerGuard,
  ) {}

  /** Listens to an IBApi event for as long as this session lives; handlers never throw into the socket. */
  on<Args extends unknown[]>(event: EventName, handler: (...args: Args) => void): void {
    const guarded = this.guard(event, (...args: Args) => {
      if (!this.ended) handler(...args);
    });
    (this.api as unknown as UntypedEmitter).on(event, guarded as (...args: unknown[]) => void);
  }

  isReady(): boolean {
    return this.ready && !this.ended;
  }

  isEnded(): boolean {
    return this.ended;
  }

  markReady(): void {
    this.ready = true;
  }

  /** Marks the session dead and drops its queued requests; the caller closes the socket. */
  end(): void {
    this.ended = true;
    this.ready = false;
    this.pacer.clear();
  }

  send(request: (api: IBApi) => void): void {
    if (!this.isReady()) return;
    this.pacer.enqueue(() => {
      if (this.isReady()) request(this.api);
    });
  }

  /** Requests queued behind the pacer, not yet written to the socket. */
  pendingRequests(): number {
    return this.pacer.pending();
  }

  sendUrgent(request: (api: IBApi) => void): void {
    if (!this.isReady()) return;
    this.pacer.enqueueUrgent(() => {
      if (this.isReady()) request(this.api);
    });
  }
}

/** Request ids are never reused, not even across sessions: a late tick for an old id is then simply unknown. */
export class RequestIds {
  private next = 1;

  take(): number {
    return this.next++;
  }
}
