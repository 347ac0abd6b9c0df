import pino, { type Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const SECRET_PATHS = [
  'password',
  'token',
  'cookie',
  'authorization',
  'secret',
  '*.password',
  '*.token',
  '*.cookie',
  '*.authorization',
  '*.secret',
  '*.databaseUrl',
  'databaseUrl',
  'headers.cookie',
  'headers.authorization',
];

export function createLogger(level: string, name = 'ibkr-bridge'): Logger {
  return pino({ name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } });
}

export type { Logger };
