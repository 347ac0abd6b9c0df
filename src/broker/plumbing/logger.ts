/** The subset of pino's API the adapters use, so a pino logger (or a child of one) can be passed as is. */
export interface BrokerLogger {
  debug(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  error(object: Record<string, unknown>, message?: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: BrokerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
