import { REDACTED, isSecretName, redactText, redactUrl, redactUserinfoUpToLastAt, urlOrigin } from '../secrets/redact';

/** Connection strings: an @ in them can only end credentials, however oddly the password is written. */
const CONNECTION_SETTINGS = new Set(['DATABASE_URL']);
/** Webhook URLs carry their token in the path or the query, in a different place for every service. */
const WEBHOOK_SETTINGS = new Set(['ALERT_WEBHOOK_URL']);

/**
 * A setting's value as a configuration error shows it: every secret replaced by ***, the rest kept, so the line
 * still says what is wrong with the value (a missing scheme, a wrong port) without printing a credential.
 */
export function shownValue(key: string, value: string): string {
  if (isSecretName(key)) return REDACTED;
  if (WEBHOOK_SETTINGS.has(key)) return urlOrigin(value);
  if (CONNECTION_SETTINGS.has(key)) return redactUrl(redactUserinfoUpToLastAt(value));
  return redactText(value);
}
