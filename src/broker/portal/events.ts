import type { BrokerEvent, BrokerEventListener, BrokerEventType } from '../types';

/** The subset of pino the adapter uses; pass a pino logger or anything shaped like one. */
export interface PortalLogger {
  debug(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  error(object: Record<string, unknown>, message?: string): void;
}

const noop = () => undefined;
export const silentLogger: PortalLogger = { debug: noop, info: noop, warn: noop, error: noop };

export interface Clock {
  now(): number;
}

/** Fans lifecycle events out to listeners (one throwing listener cannot hurt the others) and mirrors them to the log. */
export class PortalEventHub {
  private readonly listeners = new Set<BrokerEventListener>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: PortalLogger,
    private readonly account: () => string | undefined,
  ) {}

  on(listener: BrokerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(type: BrokerEventType, message: string, details?: Record<string, unknown>, code?: number): BrokerEvent {
    const event: BrokerEvent = { type, at: this.clock.now(), mode: 'PORTAL', message };
    const account = this.account();
    if (account) event.account = account;
    if (code !== undefined) event.code = code;
    if (details) event.details = details;
    const level =
      type === 'error' || type === 'disconnected' || type === 'bad_input' || type === 'rate_limited' ? 'warn' : 'info';
    this.logger[level]({ event: type, ...(details ?? {}) }, message);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ event: type, err: (error as Error).message }, 'broker event listener threw');
      }
    }
    return event;
  }
}
