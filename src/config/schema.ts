import { GREEKS_SOURCES, parseGreeksSources } from '../greeks/sources';
import type { TemporalConnectionSettings } from '../temporal/connectionSettings';
import { z } from 'zod';
import { AlertRulesError, parseAlertRules } from '../alerts/rules';
import { BROKER_DEFAULTS } from '../broker/defaults';
import { IB_MESSAGES_PER_SECOND } from '../broker/socket/pacer';
import { SOCKET_BROKER_DEFAULTS } from '../broker/socket/options';

/** Every setting the bridge reads from the environment (or .env), with its default. */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const positiveInt = z.coerce.number({ message: 'must be a number' }).int('must be an integer').positive('must be > 0');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM in 24-hour time, e.g. 23:45');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as America/New_York');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** "AAPL=1.2,MSFT=0.9" */
const greeksSources = z.string().transform((value, ctx) => {
  const parsed = parseGreeksSources(value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.sources;
});

const betaList = z.string().transform((value, ctx) => {
  const betas: Record<string, number> = {};
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [symbol, beta] = item.split('=');
    const parsed = Number(beta);
    if (!symbol || beta === undefined || !Number.isFinite(parsed)) {
      ctx.addIssue({ code: 'custom', message: `bad entry "${item}": expected SYMBOL=number, e.g. AAPL=1.2` });
      return z.NEVER;
    }
    betas[symbol.trim().toUpperCase()] = parsed;
  }
  return betas;
});

/** A JSON array of alert rules (see docs/alerts.md); every problem is reported, one per line. */
const alertRules = z.string().transform((text, ctx) => {
  try {
    return parseAlertRules(text);
  } catch (err) {
    if (!(err instanceof AlertRulesError)) throw err;
    for (const problem of err.problems) ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
});

export const configSchema = z.object({
  IB_API_MODE: z.enum(['SOCKET', 'PORTAL'], { message: 'must be SOCKET or PORTAL' }).default('SOCKET'),
  IB_HOST: z.string().min(1).default(BROKER_DEFAULTS.socketHost),
  IB_PORT: port.default(BROKER_DEFAULTS.socketPort),
  IB_CLIENT_ID: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be between 0 and 2147483647')
    .max(2147483647, 'must be between 0 and 2147483647')
    .default(BROKER_DEFAULTS.clientId),
  IB_ACCOUNT: z
    .string()
    .regex(/^[A-Z0-9]+$/, 'must be an IBKR account id such as U1234567')
    .optional(),
  IB_MARKET_DATA_TYPE: z
    .enum(['live', 'frozen', 'delayed', 'delayed-frozen'], {
      message: 'must be live, frozen, delayed or delayed-frozen',
    })
    .default(BROKER_DEFAULTS.marketDataType),
  IB_MAX_MARKET_DATA_LINES: positiveInt.default(BROKER_DEFAULTS.maxMarketDataLines),
  /** SOCKET: steady client messages per second; IB allows 50, and up to 45 the pacer keeps 4 of them spare. */
  IB_MAX_MESSAGES_PER_SECOND: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, `must be between 1 and ${IB_MESSAGES_PER_SECOND} (IB's limit)`)
    .max(IB_MESSAGES_PER_SECOND, `must be between 1 and ${IB_MESSAGES_PER_SECOND} (IB's limit)`)
    .default(SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond),
  IB_PORTAL_URL: url(['https:', 'http:']).default(BROKER_DEFAULTS.portalUrl),
  IB_PORTAL_CA_FILE: z.string().optional(),
  IB_PORTAL_CERT_SHA256: z
    .string()
    .refine((value) => /^[0-9a-fA-F]{64}$/.test(value.replace(/[\s:]/g, '')), {
      message: 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)',
    })
    .optional(),
  IB_PORTAL_INSECURE_TLS: bool.default(false),
  IB_RESET_TIME: hhmm.default('23:45'),
  IB_RESET_TIMEZONE: timeZone.default('America/New_York'),
  IB_RESET_DURATION_MINUTES: positiveInt.max(720, 'must be at most 720').default(15),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('ibkr-bridge'),
  CYCLE_INTERVAL_MS: positiveInt.min(100, 'must be at least 100').default(5000),
  GREEKS_MAX_AGE_MS: positiveInt.default(15000),
  GREEKS_SOURCES: greeksSources.default([...GREEKS_SOURCES]),
  GREEKS_MODEL_RATE: z.coerce
    .number({ message: 'must be a number' })
    .min(-0.05, 'must be a yearly rate as a fraction, at least -0.05')
    .max(0.5, 'must be a yearly rate as a fraction, e.g. 0.04 for 4 %, at most 0.5')
    .default(0.04),
  GREEKS_MODEL_MAX_IV_AGE_MS: positiveInt.default(600_000),
  GREEKS_RETENTION_DAYS: positiveInt.optional(),
  BETA_BENCHMARK: z.string().min(1).optional(),
  BETAS: betaList.optional(),
  FALLBACK_DIR: z.string().min(1).default('.data/fallback'),
  HTTP_PORT: port.default(9464),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], { message: 'must be a pino level' })
    .default('info'),
  ALERT_RULES: alertRules.optional(),
  ALERT_RULES_FILE: z.string().min(1).optional(),
  ALERT_WEBHOOK_URL: url(['https:', 'http:']).optional(),
  ALERT_WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000, 'must be at most 60000').default(5000),
});

/** Settings whose value is a document: their problems are listed one by one, without echoing the document. */
export const DOCUMENT_SETTINGS = new Set(['ALERT_RULES']);

/** The validated settings; `temporalConnection` is filled by loadConfig from the Temporal profile and TEMPORAL_* variables. */
export type BridgeConfig = z.infer<typeof configSchema> & { temporalConnection?: TemporalConnectionSettings };
