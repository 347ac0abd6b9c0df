import type { ApiMode, BrokerEvent, BrokerEventListener, BrokerEventType } from '../types';
import type { Clock } from './clock';
import type { BrokerLogger } from './logger';

export type EventInput = Omit<BrokerEvent, 'at' | 'mode'>;

/** Repeated bad input from a confused gateway must not flood api_logs: one event per reason per window. */
const BAD_INPUT_WINDOW_MS = 10_000;

/** Events an operator should look at even when nothing is broken yet; the rest log at info ('error' at error). */
const WARN_TYPES = new Set<BrokerEventType>([
  'disconnected',
  'status_1100',
  'stalled',
  'client_id_in_use',
  'line_budget_exceeded',
  'market_data_type_fallback',
  'pacing',
  'rate_limited',
  'bad_input',
]);

export interface EventHubOptions {
  mode: ApiMode;
  clock: Clock;
  logger: BrokerLogger;
  /** The followed account, stamped on events that name none themselves. */
  account?: string | null;
}

/**
 * Fans broker events out to listeners and mirrors them to the log. A listener that throws is logged and skipped:
 * it must never reach the code that emitted (for the SOCKET adapter, an exception in the socket's data handler
 * desynchronises @stoqey/ib's decoder).
 */
export class EventHub {
  private readonly listeners = new Set<BrokerEventListener>();
  private readonly badInputWindows = new Map<string, { startedAt: number; suppressed: number }>();

  constructor(private readonly options: EventHubOptions) {}

  subscribe(listener: BrokerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(input: EventInput): BrokerEvent {
    const { mode, clock, logger, account } = this.options;
    const event: BrokerEvent = { ...input, at: clock(), mode };
    if (event.account === undefined && account) event.account = account;
    const level = input.type === 'error' ? 'error' : WARN_TYPES.has(input.type) ? 'warn' : 'info';
    logger[level](
      { event: event.type, code: event.code, account: event.account, details: event.details },
      event.message,
    );
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error, event: event.type }, 'broker event listener threw');
      }
    }
    return event;
  }

  /**
   * Wraps a handler of gateway input: an exception must not escape into the transport's callback (for @stoqey/ib it
   * would become an uncaught exception and misalign the decoder), so it is reported as bad input instead.
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
    const now = this.options.clock();
    const window = this.badInputWindows.get(reason);
    if (window && now - window.startedAt < BAD_INPUT_WINDOW_MS) {
      window.suppressed++;
      this.options.logger.debug({ reason, details }, 'bad input from gateway (suppressed)');
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
