import type { ApiMode, BrokerEvent, BrokerEventListener, BrokerEventType } from '../types';
import type { BrokerLogger } from './logger';

export type EventInput = Omit<BrokerEvent, 'at' | 'mode'>;

/** Repeated bad input from a confused gateway must not flood api_logs: one event per reason per window. */
const BAD_INPUT_WINDOW_MS = 10_000;

const WARN_TYPES = new Set<BrokerEventType>([
  'disconnected',
  'status_1100',
  'stalled',
  'client_id_in_use',
  'line_budget_exceeded',
  'market_data_type_fallback',
  'pacing',
  'bad_input',
]);

/**
 * Fans broker events out to listeners and the logger. A listener that throws is logged and skipped: it must never
 * reach the socket's data handler (an exception there desynchronises @stoqey/ib's decoder).
 */
export class EventHub {
  private readonly listeners = new Set<BrokerEventListener>();
  private readonly badInputWindows = new Map<string, { startedAt: number; suppressed: number }>();

  constructor(
    private readonly mode: ApiMode,
    private readonly clock: () => number,
    private readonly logger: BrokerLogger,
  ) {}

  subscribe(listener: BrokerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(input: EventInput): void {
    const event: BrokerEvent = { ...input, at: this.clock(), mode: this.mode };
    const level = input.type === 'error' ? 'error' : WARN_TYPES.has(input.type) ? 'warn' : 'info';
    this.logger[level](
      { event: event.type, code: event.code, account: event.account, details: event.details },
      event.message,
    );
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'broker event listener threw');
      }
    }
  }

  /**
   * Wraps a handler of @stoqey/ib events: an exception must not escape into the socket's data callback (it would
   * become an uncaught exception and misalign the decoder), so it is reported as bad input instead.
   */
  guard<Args extends unknown[]>(name: string, handler: (...args: Args) => void): (...args: Args) => void {
    return (...args: Args) => {
      try {
        handler(...args);
      } catch (error) {
        this.badInput(`${name} handler failed`, { error: error instanceof Error ? error.message : String(error) });
      }
    };
  }

  /** Malformed input from the gateway: logged with its reason, rate-limited per reason, never thrown. */
  badInput(reason: string, details: Record<string, unknown> = {}): void {
    const now = this.clock();
    const window = this.badInputWindows.get(reason);
    if (window && now - window.startedAt < BAD_INPUT_WINDOW_MS) {
      window.suppressed++;
      this.logger.debug({ reason, details }, 'bad input from gateway (suppressed)');
      return;
    }
    const suppressed = window?.suppressed ?? 0;
    this.badInputWindows.set(reason, { startedAt: now, suppressed: 0 });
    this.emit({
      type: 'bad_input',
      message: `bad input from gateway: ${reason}`,
      details: { reason, suppressed, ...details },
    });
  }
}
