/**
 * How the worker, the `bridge` CLI and the launcher reach Temporal: the same profiles file and `TEMPORAL_*`
 * variables the `temporal` CLI reads (loaded by `@temporalio/envconfig`), so a secured cluster or Temporal Cloud is
 * configured once for every tool. Environment variables win over the profile; the profile over the defaults.
 *
 * Files are read and parsed here, once, at start: a missing key file, a certificate that is not PEM or a
 * contradiction is one configuration error naming the setting, never the key or certificate itself.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** What every Temporal connection of the process is built from. Holds secrets: never log it whole. */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** undefined: plain gRPC (the dev server); true: TLS with the system's roots; an object: TLS as configured. */
  tls?: TLSConfig | true;
  apiKey?: string;
  metadata?: Record<string, string>;
  /** How the connection proves who it is, for messages: never the key or the certificate. */
  auth: 'none' | 'server TLS' | 'mTLS' | 'API key';
}

/** One line per problem, each naming the setting that fixes it. */
export class TemporalSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TemporalSettingsError';
  }
}

type Env = Record<string, string | undefined>;

/** The settings for `env` (blank values count as unset, as everywhere in the bridge's configuration). */
export function resolveTemporalConnection(env: Env): TemporalConnectionSettings {
  const present = withoutBlanks(env);
  const problems: string[] = [];
  const configFile = present.TEMPORAL_CONFIG_FILE;
  // envconfig treats a missing file as no file; one the operator named must exist. Read once, handed to envconfig.
  const configData = configFile !== undefined ? readFile(configFile) : undefined;
  if (typeof configData === 'string') {
    problems.push(`config error: TEMPORAL_CONFIG_FILE=${configFile} cannot be read (${configData})`);
  }
  let profile: ClientConfigProfile = {};
  if (problems.length === 0) {
    try {
      profile = profileOf(present, typeof configData === 'string' ? undefined : configData);
    } catch (err) {
      problems.push(
        `config error: Temporal client configuration (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): ${firstLine(err)}`,
      );
    }
  }
  if (problems.length > 0) throw new TemporalSettingsError(problems);

  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!/^[^\s:/]+:\d+$/.test(address)) {
    problems.push(`config error: TEMPORAL_ADDRESS=${JSON.stringify(address)} must be host:port, e.g. 127.0.0.1:7233`);
  }
  const tlsSettings = profile.tls;
  const clientCert = loadPem(
    tlsSettings?.clientCert,
    'client certificate',
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'certificate',
    problems,
  );
  const clientKey = loadPem(tlsSettings?.clientKey, 'client key', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'key', problems);
  const serverCa = loadPem(
    tlsSettings?.serverCACert,
    'server CA',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    'certificate',
    problems,
  );
  if (tlsSettings?.clientCert && !tlsSettings.clientKey) {
    problems.push(
      'config error: a Temporal client certificate is set without its key: set TEMPORAL_TLS_CLIENT_KEY_PATH',
    );
  }
  if (tlsSettings?.clientKey && !tlsSettings.clientCert) {
    problems.push(
      'config error: a Temporal client key is set without its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH',
    );
  }
  const metadata = profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? profile.grpcMeta : undefined;
  if (profile.apiKey !== undefined) {
    if (tlsSettings?.disabled) {
      problems.push(
        'config error: TEMPORAL_API_KEY is sent only over TLS, and TEMPORAL_TLS=false switches TLS off: remove one',
      );
    }
    if (metadata && Object.keys(metadata).some((key) => key.toLowerCase() === 'authorization')) {
      problems.push(
        'config error: TEMPORAL_API_KEY and an authorization header in TEMPORAL_GRPC_META_* both authenticate: keep one',
      );
    }
  }
  if (problems.length > 0) throw new TemporalSettingsError(problems);

  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  const base = { address, namespace, ...(metadata ? { metadata } : {}) };
  if (tlsSettings?.disabled) return { ...base, auth: 'none' };
  const configured = tlsSettings !== undefined && (serverCa || clientCert || tlsSettings.serverName);
  const tls: TLSConfig | true | undefined = configured
    ? {
        ...(tlsSettings.serverName ? { serverNameOverride: tlsSettings.serverName } : {}),
        ...(serverCa ? { serverRootCACertificate: serverCa } : {}),
        ...(clientCert && clientKey ? { clientCertPair: { crt: clientCert, key: clientKey } } : {}),
      }
    : tlsSettings !== undefined || profile.apiKey !== undefined
      ? true
      : undefined;
  const auth = profile.apiKey !== undefined ? 'API key' : clientCert ? 'mTLS' : tls ? 'server TLS' : 'none';
  return {
    ...base,
    ...(tls ? { tls } : {}),
    ...(profile.apiKey !== undefined ? { apiKey: profile.apiKey } : {}),
    auth,
  };
}

/** "host:port, namespace ns, mTLS": what a message may say about a connection. */
export function describeTemporalConnection(settings: TemporalConnectionSettings): string {
  return `${settings.address}, namespace ${settings.namespace}, ${settings.auth === 'none' ? 'no TLS' : settings.auth}`;
}

/** The options `Connection.connect` and `NativeConnection.connect` take (their shapes agree on these fields). */
export function connectionOptions(settings: TemporalConnectionSettings) {
  return {
    address: settings.address,
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

function loadPem(
  source: ConfigDataSource | undefined,
  what: string,
  setting: string,
  kind: 'certificate' | 'key',
  problems: string[],
): Buffer | undefined {
  if (!source) return undefined;
  let bytes: Buffer;
  if ('path' in source) {
    const read = readFile(source.path);
    if (typeof read === 'string') {
      problems.push(`config error: the Temporal ${what} ${source.path} (${setting}) cannot be read (${read})`);
      return undefined;
    }
    bytes = read;
  } else {
    bytes = Buffer.from(source.data);
  }
  const where = 'path' in source ? `${source.path} (${setting})` : `(${setting.replace(/_PATH$/, '_DATA')})`;
  try {
    if (kind === 'certificate') new X509Certificate(bytes);
    else createPrivateKey(bytes);
  } catch {
    problems.push(
      `config error: the Temporal ${what} ${where} is not a PEM ${kind === 'key' ? 'private key' : 'certificate'}`,
    );
    return undefined;
  }
  return bytes;
}

/** The file's bytes, or the error code that kept it from being read. */
function readFile(path: string): Buffer | string {
  try {
    return readFileSync(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

/** The profile envconfig assembles from the file (its default path unless given) and the environment. */
function profileOf(present: Env, configData?: Buffer): ClientConfigProfile {
  return loadClientConfigProfile({
    overrideEnvVars: present as Record<string, string>,
    ...(configData ? { configSource: { data: configData } } : {}),
  });
}

function withoutBlanks(env: Env): Env {
  const present: Env = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  return present;
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0];
}

/** The settings of a loaded configuration; a configuration built by hand (tests) reaches the dev server in plain. */
export function temporalSettingsOf(config: {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  temporalConnection?: TemporalConnectionSettings;
}): TemporalConnectionSettings {
  return (
    config.temporalConnection ?? {
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      auth: 'none',
    }
  );
}

/**
 * Whether the environment or a profile names a Temporal server (the launcher starts a dev server otherwise). A
 * profile that cannot be read counts as named, so the configuration check reports it instead of hiding it.
 */
export function namesTemporalServer(env: Env): boolean {
  const present = withoutBlanks(env);
  if (present.TEMPORAL_ADDRESS !== undefined) return true;
  try {
    return profileOf(present).address !== undefined;
  } catch {
    return true;
  }
}
