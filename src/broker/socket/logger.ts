/** The subset of pino's API the broker uses, so a pino logger (or a child of one) can be passed as is. */
export interface BrokerLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: BrokerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
