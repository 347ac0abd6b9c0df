import { redactText } from '../secrets/redact';
import { InvalidRowError } from './invalidRowError';
import type { DbErrorClass } from './types';

// SQLSTATE classes (first two characters) whose errors go away by themselves: connection
// exceptions, transaction rollbacks (serialization failure, deadlock), insufficient resources
// (too many connections, disk full), operator intervention (admin shutdown, statement timeout,
// cannot connect now) and system errors (I/O).
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);
const TRANSIENT_SQLSTATES = new Set([
  '55P03', // lock_not_available (lock_timeout)
  '25006', // read_only_sql_transaction: a replica promoted or a failover in progress
  '25P03', // idle_in_transaction_session_timeout
]);
// Rows that violate a type, range or constraint: class 22 (data exception), 23 (integrity).
const BAD_DATA_SQLSTATE_CLASSES = new Set(['22', '23']);

const TRANSIENT_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// node-postgres reports a lost or hung connection with plain Errors that carry no code.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /database did not answer within/i,
  /connection error and is not queryable/i,
  /server closed the connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/**
 * Whether retrying the same write later can succeed. Transient: the database is unreachable, slow,
 * restarting or busy. Permanent: the rows or the statement are wrong (bad data, a constraint other
 * than the cycle key, a missing table, failed authentication). Unknown errors count as transient,
 * so a surprise keeps the rows in the buffer instead of quarantining them.
 */
export function classifyDbError(err: unknown): DbErrorClass {
  const reason = oneLine(err);
  if (err instanceof InvalidRowError) return { kind: 'permanent', reason, badData: true };
  const code = errorCode(err);
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    if (TRANSIENT_SQLSTATE_CLASSES.has(sqlClass) || TRANSIENT_SQLSTATES.has(code)) {
      return { kind: 'transient', reason, code, badData: false };
    }
    return { kind: 'permanent', reason, code, badData: BAD_DATA_SQLSTATE_CLASSES.has(sqlClass) };
  }
  if (code && TRANSIENT_ERRNOS.has(code)) return { kind: 'transient', reason, code, badData: false };
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(reason))) {
    return { kind: 'transient', reason, code, badData: false };
  }
  if (/cannot use a pool after calling end/i.test(reason)) return { kind: 'permanent', reason, badData: false };
  return { kind: 'transient', reason, code, badData: false };
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // AggregateError from a multi-address connect (e.g. localhost → ::1 and 127.0.0.1).
  const inner = (err as { errors?: unknown[] }).errors;
  return Array.isArray(inner) && inner.length > 0 ? errorCode(inner[0]) : undefined;
}

function oneLine(err: unknown): string {
  const raw = err instanceof Error ? err.message || errorCode(err) || err.name : String(err);
  const constraint = (err as { constraint?: unknown } | null)?.constraint;
  const withConstraint = typeof constraint === 'string' ? `${raw} (constraint ${constraint})` : raw;
  // The reason travels far (a workflow failure in Temporal's history, api_logs, the buffer, logs): no credential in it.
  return redactText(withConstraint.replace(/\s+/g, ' ').trim()).slice(0, 500);
}
