import { redactValue } from '../secrets/redact';

/** A copy of an api_logs `details` value with its secrets replaced (see src/secrets/redact.ts), so they never reach a table. */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value);
}
