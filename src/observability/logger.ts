import pino, { type Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const SECRET_PATHS = [
  'password',
  'token',
  'cookie',
  'authorization',
  'secret',
  'databaseUrl',
  '*.password',
  '*.token',
  '*.cookie',
  '*.authorization',
  '*.secret',
  '*.databaseUrl',
  'headers.cookie',
  'headers.authorization',
];

/**
 * JSON lines by default (what log shippers want); `pretty` for a person at a terminal (`npm start` sets
 * LOG_PRETTY=1 for the worker it runs).
 */
export function createLogger(level: string, options: { pretty?: boolean; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'ibkr-bridge',
    level,
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    transport: options.pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } }
      : undefined,
  });
}

export type { Logger };
