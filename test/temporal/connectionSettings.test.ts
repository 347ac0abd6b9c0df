import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load';
import {
  connectionOptions,
  describeTemporalConnection,
  namesTemporalServer,
  resolveTemporalConnection,
  TemporalSettingsError,
} from '../../src/temporal/connectionSettings';
import { testAuthority } from './testPki';

const dir = mkdtempSync(join(tmpdir(), 'temporal-settings-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const authority = testAuthority('settings');
const client = authority.client('bridge');
const paths = {
  ca: file('ca.pem', authority.ca.certPem),
  cert: file('client.pem', client.certPem),
  key: file('client.key', client.keyPem),
  notPem: file('notes.txt', 'hello\n'),
};
const API_KEY = 'tk_secret_value_123456';

function problemsOf(env: Record<string, string>): string[] {
  try {
    resolveTemporalConnection(env);
  } catch (err) {
    if (err instanceof TemporalSettingsError) return err.problems;
    throw err;
  }
  throw new Error('expected a TemporalSettingsError');
}

describe('the Temporal connection settings', () => {
  it('default to the local dev server in plain gRPC, namespace default', () => {
    const settings = resolveTemporalConnection({ HOME: dir });
    expect(settings).toEqual({ address: '127.0.0.1:7233', namespace: 'default', auth: 'none' });
    expect(connectionOptions(settings)).toEqual({ address: '127.0.0.1:7233' });
    expect(namesTemporalServer({ HOME: dir })).toBe(false);
  });

  it('read the TEMPORAL_* variables the temporal CLI reads: mutual TLS with a CA and a server name', () => {
    const settings = resolveTemporalConnection({
      HOME: dir,
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'trading',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: paths.key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
    });
    expect(settings).toMatchObject({ address: 'temporal.internal:7233', namespace: 'trading', auth: 'mTLS' });
    expect(settings.tls).toMatchObject({ serverNameOverride: 'frontend.temporal.internal' });
    const tls = settings.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer };
    expect(tls.clientCertPair.crt.toString()).toBe(client.certPem);
    expect(tls.serverRootCACertificate.toString()).toBe(authority.ca.certPem);
    expect(describeTemporalConnection(settings)).toBe('temporal.internal:7233, namespace trading, mTLS');
  });

  it('turn TLS on with the system roots for an API key (Temporal Cloud) and pass gRPC metadata', () => {
    const settings = resolveTemporalConnection({
      HOME: dir,
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'bridge.a1b2c',
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_GRPC_META_X_TEAM: 'desk-7',
    });
    expect(connectionOptions(settings)).toEqual({
      address: 'us-east-1.aws.api.temporal.io:7233',
      tls: true,
      apiKey: API_KEY,
      metadata: { 'x-team': 'desk-7' },
    });
    expect(describeTemporalConnection(settings)).not.toContain(API_KEY);
  });

  it('take a profile from TEMPORAL_CONFIG_FILE, with the environment winning over it', () => {
    const config = file(
      'temporal.toml',
      `[profile.prod]\naddress = "prod.temporal:7233"\nnamespace = "prod"\n[profile.prod.tls]\nserver_ca_cert_path = "${paths.ca}"\n`,
    );
    const fromProfile = resolveTemporalConnection({
      HOME: dir,
      TEMPORAL_CONFIG_FILE: config,
      TEMPORAL_PROFILE: 'prod',
    });
    expect(fromProfile).toMatchObject({ address: 'prod.temporal:7233', namespace: 'prod', auth: 'server TLS' });
    expect(namesTemporalServer({ HOME: dir, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod' })).toBe(true);
    const overridden = resolveTemporalConnection({
      HOME: dir,
      TEMPORAL_CONFIG_FILE: config,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'staging',
    });
    expect(overridden.namespace).toBe('staging');
    expect(problemsOf({ HOME: dir, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'nope' })).toEqual([
      "config error: Temporal client configuration (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): Profile 'nope' not found in config data",
    ]);
  });

  it('refuse, one line each and without the key, files that are missing or not PEM and contradictions', () => {
    expect(
      problemsOf({
        HOME: dir,
        TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'gone.key'),
      }),
    ).toEqual([
      `config error: the Temporal client key ${join(dir, 'gone.key')} (TEMPORAL_TLS_CLIENT_KEY_PATH) cannot be read (ENOENT)`,
    ]);
    expect(problemsOf({ HOME: dir, TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.notPem })).toEqual([
      `config error: the Temporal server CA ${paths.notPem} (TEMPORAL_TLS_SERVER_CA_CERT_PATH) is not a PEM certificate`,
    ]);
    expect(problemsOf({ HOME: dir, TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert })).toEqual([
      'config error: a Temporal client certificate is set without its key: set TEMPORAL_TLS_CLIENT_KEY_PATH',
    ]);
    const contradictions = problemsOf({
      HOME: dir,
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS: 'false',
      TEMPORAL_GRPC_META_AUTHORIZATION: `Bearer ${API_KEY}`,
    });
    expect(contradictions).toHaveLength(2);
    expect(contradictions.join('\n')).toContain('TEMPORAL_TLS=false switches TLS off');
    expect(contradictions.join('\n')).toContain('keep one');
    expect(contradictions.join('\n')).not.toContain(API_KEY);
    expect(problemsOf({ HOME: dir, TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toEqual([
      `config error: TEMPORAL_CONFIG_FILE=${join(dir, 'missing.toml')} cannot be read (ENOENT)`,
    ]);
  });

  it('are part of the bridge configuration: its problems are configuration errors, its address and namespace the config', () => {
    const env = { HOME: dir, FALLBACK_DIR: mkdtempSync(join(dir, 'buffer-')) };
    const config = loadConfig({ ...env, TEMPORAL_API_KEY: API_KEY, TEMPORAL_ADDRESS: 'cloud.example:7233' });
    expect(config).toMatchObject({ TEMPORAL_ADDRESS: 'cloud.example:7233', temporalConnection: { auth: 'API key' } });
    expect(() => loadConfig({ ...env, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' })).toThrow(ConfigError);
  });
});
