/**
 * The one place that knows what a secret looks like. Configuration errors, log lines, api_logs rows and the
 * fallback buffer's files all pass through here, so they agree on what is hidden and how it is shown.
 */

/** What a hidden secret is replaced by, everywhere. */
export const REDACTED = '***';

/**
 * Names (object keys, settings, key=value keys) whose value is a secret as a whole: passwords, tokens, cookies,
 * authorization headers, API keys, signatures, credentials, session ids (IBKR's gateway keeps its session in
 * cookies such as JSESSIONID and x-sess-uuid).
 */
const SECRET_NAME =
  /(^|[^a-z])pass($|[^a-z])|pass(word|wd|phrase)|pwd|secret|token|cookie|authori[sz]ation|api[-_]?key|access[-_]?key|private[-_]?key|signature|credential|j?session[-_]?(id|uuid|key)|sess[-_]uuid|^auth$/i;
/** Query parameters also carry API keys and signatures under short names (`?key=`, `?sig=`, `?code=`). */
const SECRET_QUERY_NAME = /^(key|sig|code|auth)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A path segment that is probably a token: webhook URLs (Slack, Discord, Telegram, Teams) carry theirs there. */
function isTokenLikeSegment(segment: string): boolean {
  const plain = decodeURIComponentSafe(segment);
  if (/^bot\d+:/i.test(plain)) return true;
  if (plain.length < 16 || !/^[\w.:~=+-]+$/.test(plain)) return false;
  return (
    plain.length >= 32 || (/[a-z]/i.test(plain) && /\d/.test(plain)) || (/[a-z]/.test(plain) && /[A-Z]/.test(plain))
  );
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A URL fit to show: the password of its credentials, query parameters with secret names and token-like path
 * segments become ***; scheme, user, host, port and the rest stay, so the message still says where it points.
 */
export function redactUrl(url: string): string {
  if (!SCHEME.test(url)) return redactText(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Typically a password with / # ? or @ in it, not percent-encoded.
    return redactPairs(redactUserinfoUpToLastAt(url));
  }
  let redacted = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    redacted = true;
  } else if (parsed.username && isTokenLikeSegment(parsed.username)) {
    parsed.username = REDACTED;
    redacted = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretName(name) || SECRET_QUERY_NAME.test(name)) {
      parsed.searchParams.set(name, REDACTED);
      redacted = true;
    }
  }
  const segments = parsed.pathname.split('/');
  if (segments.some(isTokenLikeSegment)) {
    parsed.pathname = segments.map((segment) => (isTokenLikeSegment(segment) ? REDACTED : segment)).join('/');
    redacted = true;
  }
  // Untouched URLs stay byte for byte as given (toString() would normalise them, e.g. add a trailing slash).
  return redacted ? parsed.toString() : url;
}

/**
 * URL credentials however the password is written: everything between `scheme://user:` and the last @ goes.
 * For values that are connection strings by definition (DATABASE_URL), where an @ can only end credentials.
 */
export function redactUserinfoUpToLastAt(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^:/?#@]*:)?[^]*@([^@]*)$/i.exec(url);
  if (!match) return url;
  const [, scheme, user, rest] = match;
  return `${scheme}${user ?? ''}${REDACTED}@${rest}`;
}

/** Only where a URL points (scheme, host, port), for URLs whose whole path or query may be a secret (webhooks). */
export function urlOrigin(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.origin !== 'null') {
      return url.replace(/\/+$/, '').length > parsed.origin.length ? `${parsed.origin}/${REDACTED}` : parsed.origin;
    }
  } catch {
    // Not a URL: keep what comes before the first path or query separator.
  }
  const head = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*/i.exec(url)?.[0] ?? '';
  return head.length < url.length ? `${head}/${REDACTED}` : url;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
const HEADER_IN_TEXT = /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(\s*:\s*)[^\r\n]+/gi;
const BEARER_IN_TEXT = /\b(bearer)\s+[\w~+/.=-]{8,}/gi;
/** key=value pairs: libpq connection strings (password='x y'), query strings, command lines. */
const PAIR_IN_TEXT = /([\w.-]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'"]+)/g;

/**
 * Free text (an error message, a log message, a configuration value) with every recognisable secret replaced:
 * URL credentials, secret query parameters and token-like path segments, key=value pairs with secret names
 * (libpq's password=...), authorization and cookie headers, bearer tokens.
 */
export function redactText(text: string): string {
  return redactPairs(
    text
      .replace(URL_IN_TEXT, redactUrl)
      .replace(HEADER_IN_TEXT, (_all, name: string, separator: string) => `${name}${separator}${REDACTED}`)
      .replace(BEARER_IN_TEXT, (_all, scheme: string) => `${scheme} ${REDACTED}`),
  );
}

function redactPairs(text: string): string {
  return text.replace(PAIR_IN_TEXT, (all, name: string, separator: string) =>
    isSecretName(name.replace(/^.*[.]/, '')) ? `${name}${separator}${REDACTED}` : all,
  );
}

/**
 * A copy of a JSON-like value fit to store or log: values under secret names become ***, and every string is
 * redacted as free text (a URL or message may carry a credential under an innocent name).
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretName(key) && inner !== null && inner !== undefined ? REDACTED : redactValue(inner);
  }
  return out;
}

/**
 * An event fit to leave the process (an api_logs row, a buffered one): its message redacted as free text and its
 * details as a value. The row's other fields are names, keys, codes and times the bridge chose itself.
 */
export function redactEvent<Row extends { message: string; details?: Record<string, unknown> | null }>(row: Row): Row {
  return {
    ...row,
    message: typeof row.message === 'string' ? redactText(row.message) : row.message,
    details: row.details == null ? row.details : (redactValue(row.details) as Record<string, unknown>),
  };
}
