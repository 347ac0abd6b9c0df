const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|api[-_]?key/i;

/** A copy of a JSON value with the values of secret-looking keys replaced, so they never reach a table. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redactSecrets(inner);
  }
  return out;
}
