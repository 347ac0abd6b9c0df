import { redactText, redactValue } from '../secrets/redact';
import type { ApiLogRow } from './types';

/** A copy of an api_logs `details` value with its secrets replaced (see src/secrets/redact.ts), so they never reach a table. */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value);
}

/** An api_logs row fit to leave the process (a table, the fallback buffer): message and details redacted. */
export function redactApiLogRow(row: ApiLogRow): ApiLogRow {
  return {
    ...row,
    message: typeof row.message === 'string' ? redactText(row.message) : row.message,
    details: row.details == null ? row.details : (redactValue(row.details) as Record<string, unknown>),
  };
}
