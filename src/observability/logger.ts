import pino, { type DestinationStream, type Logger } from 'pino';
import { redactText, redactValue } from '../secrets/redact';

/**
 * Every finished line passes through the secrets module: values under secret names anywhere in the logged
 * object, and credentials inside any string (messages, URLs, error messages and stacks), become ***. Done on
 * the whole line rather than on a list of paths, so a secret under an unforeseen key or in a message is caught.
 */
function redactLine(line: string): string {
  try {
    return `${JSON.stringify(redactValue(JSON.parse(line)))}\n`;
  } catch {
    return redactText(line);
  }
}

export interface LoggerOptions {
  pretty?: boolean;
  name?: string;
  /** Where JSON lines go; stdout when absent. Not used with `pretty`. */
  destination?: DestinationStream;
}

/**
 * JSON lines by default (what log shippers want); `pretty` for a person at a terminal (`npm start` sets
 * LOG_PRETTY=1 for the worker it runs).
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings = {
    name: options.name ?? 'ibkr-bridge',
    level,
    hooks: { streamWrite: redactLine },
  };
  if (options.pretty) {
    return pino({
      ...settings,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } },
    });
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export type { Logger };
