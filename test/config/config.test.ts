import { spawnSync } from 'node:child_process';
import { mkdtempSync, chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('configuration', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      IB_API_MODE: 'SOCKET',
      IB_CLIENT_ID: 10,
      IB_RESET_TIME: '23:45',
      IB_RESET_TIMEZONE: 'America/New_York',
      CYCLE_INTERVAL_MS: 5000,
      GREEKS_MAX_AGE_MS: 15000,
      IB_PORTAL_INSECURE_TLS: false,
      IB_MAX_MESSAGES_PER_SECOND: 45,
    });
  });

  it("reads IB_MAX_MESSAGES_PER_SECOND up to IB's limit of 50", () => {
    expect(loadConfig({ IB_MAX_MESSAGES_PER_SECOND: '50' }).IB_MAX_MESSAGES_PER_SECOND).toBe(50);
    expect(loadConfig({ IB_MAX_MESSAGES_PER_SECOND: '1' }).IB_MAX_MESSAGES_PER_SECOND).toBe(1);
  });

  it('parses typed values and treats blank values as unset', () => {
    const config = loadConfig({
      IB_API_MODE: 'PORTAL',
      IB_PORT: '7497',
      IB_PORTAL_INSECURE_TLS: 'true',
      BETA_BENCHMARK: 'SPY',
      BETAS: 'aapl=1.2, MSFT=0.9',
      IB_HOST: '   ',
    });
    expect(config.IB_PORT).toBe(7497);
    expect(config.IB_PORTAL_INSECURE_TLS).toBe(true);
    expect(config.BETAS).toEqual({ AAPL: 1.2, MSFT: 0.9 });
    expect(config.IB_HOST).toBe('127.0.0.1');
    expect(config.GREEKS_SOURCES).toEqual(['ib_model', 'ib_quote', 'ib_calculation', 'local_model']);
    expect(loadConfig({ GREEKS_SOURCES: 'strict' }).GREEKS_SOURCES).toEqual(['ib_model', 'ib_quote', 'ib_calculation']);
  });

  it('reads IB_PORTAL_CERT_SHA256 and refuses what is no SHA-256 fingerprint', () => {
    const fingerprint = Array.from({ length: 32 }, (_, index) => index.toString(16).padStart(2, '0')).join(':');
    expect(loadConfig({ IB_PORTAL_CERT_SHA256: fingerprint }).IB_PORTAL_CERT_SHA256).toBe(fingerprint);
    expect(() => loadConfig({ IB_PORTAL_CERT_SHA256: 'AB:CD' })).toThrow(
      /IB_PORTAL_CERT_SHA256="AB:CD" must be a SHA-256 fingerprint/,
    );
  });

  const unwritable = (() => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-ro-'));
    chmodSync(dir, 0o500);
    return dir;
  })();

  const scratch = mkdtempSync(join(tmpdir(), 'bridge-config-'));
  const plainFile = join(scratch, 'plain.txt');
  writeFileSync(plainFile, 'not a certificate\n');
  const pemFile = join(scratch, 'ca.pem');
  writeFileSync(pemFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  afterAll(() => {
    for (const dir of [scratch, unwritable]) rmSync(dir, { recursive: true, force: true });
  });

  const badCases: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown mode', { IB_API_MODE: 'FIX' }, /IB_API_MODE="FIX" must be SOCKET or PORTAL/],
    ['lower-case mode', { IB_API_MODE: 'socket' }, /IB_API_MODE/],
    ['port not a number', { IB_PORT: 'abc' }, /IB_PORT="abc" must be a number/],
    ['port zero', { IB_PORT: '0' }, /IB_PORT="0" must be between 1 and 65535/],
    ['port too large', { IB_PORT: '70000' }, /IB_PORT="70000" must be between 1 and 65535/],
    ['fractional port', { IB_PORT: '4002.5' }, /IB_PORT="4002.5" must be an integer/],
    ['negative client id', { IB_CLIENT_ID: '-1' }, /IB_CLIENT_ID="-1"/],
    ['client id text', { IB_CLIENT_ID: 'ten' }, /IB_CLIENT_ID="ten" must be a number/],
    ['bad account', { IB_ACCOUNT: 'du-123' }, /IB_ACCOUNT="du-123" must be an IBKR account id/],
    ['bad market data type', { IB_MARKET_DATA_TYPE: 'realtime' }, /IB_MARKET_DATA_TYPE="realtime"/],
    ['portal url not a url', { IB_PORTAL_URL: 'localhost:5000' }, /IB_PORTAL_URL="localhost:5000" must be a URL/],
    ['portal url ftp', { IB_PORTAL_URL: 'ftp://x' }, /IB_PORTAL_URL/],
    [
      'unreadable CA file',
      { IB_PORTAL_CA_FILE: '/nonexistent/ca.pem' },
      /IB_PORTAL_CA_FILE=\/nonexistent\/ca.pem cannot be read/,
    ],
    [
      'insecure flag not boolean',
      { IB_PORTAL_INSECURE_TLS: 'maybe' },
      /IB_PORTAL_INSECURE_TLS="maybe" must be true or false/,
    ],
    ['reset time 24h', { IB_RESET_TIME: '24:00' }, /IB_RESET_TIME="24:00" must be HH:MM/],
    ['reset time am/pm', { IB_RESET_TIME: '11:45pm' }, /IB_RESET_TIME/],
    [
      'unknown time zone',
      { IB_RESET_TIMEZONE: 'America/Gotham' },
      /IB_RESET_TIMEZONE="America\/Gotham" must be an IANA time zone/,
    ],
    ['negative interval', { CYCLE_INTERVAL_MS: '-5000' }, /CYCLE_INTERVAL_MS="-5000" must be > 0/],
    ['interval too short', { CYCLE_INTERVAL_MS: '10' }, /CYCLE_INTERVAL_MS="10" must be at least 100/],
    ['zero max age', { GREEKS_MAX_AGE_MS: '0' }, /GREEKS_MAX_AGE_MS="0" must be > 0/],
    [
      'database url not postgres',
      { DATABASE_URL: 'mysql://x/y' },
      /DATABASE_URL="mysql:\/\/x\/y" must be a URL starting with postgres:/,
    ],
    [
      'temporal address without port',
      { TEMPORAL_ADDRESS: 'localhost' },
      /TEMPORAL_ADDRESS="localhost" must be host:port/,
    ],
    ['bad betas', { BETAS: 'AAPL', BETA_BENCHMARK: 'SPY' }, /BETAS=.*bad entry "AAPL"/],
    ['unknown source of Greeks', { GREEKS_SOURCES: 'ib_model,guess' }, /GREEKS_SOURCES=.*unknown source guess/],
    ['betas without benchmark', { BETAS: 'AAPL=1.1' }, /BETAS is set but BETA_BENCHMARK is not/],
    [
      'reset duration too long',
      { IB_RESET_DURATION_MINUTES: '1000' },
      /IB_RESET_DURATION_MINUTES="1000" must be at most 720/,
    ],
    ['bad log level', { LOG_LEVEL: 'verbose' }, /LOG_LEVEL="verbose" must be a pino level/],
    [
      "message rate above IB's limit",
      { IB_MAX_MESSAGES_PER_SECOND: '51' },
      /IB_MAX_MESSAGES_PER_SECOND="51" must be between 1 and 50 \(IB's limit\)/,
    ],
    [
      'message rate zero',
      { IB_MAX_MESSAGES_PER_SECOND: '0' },
      /IB_MAX_MESSAGES_PER_SECOND="0" must be between 1 and 50/,
    ],
    ['message rate text', { IB_MAX_MESSAGES_PER_SECOND: 'fast' }, /IB_MAX_MESSAGES_PER_SECOND="fast" must be a number/],
    ['CA file is a directory', { IB_PORTAL_CA_FILE: scratch }, /IB_PORTAL_CA_FILE=.* is not a file/],
    ['CA file without PEM', { IB_PORTAL_CA_FILE: plainFile }, /IB_PORTAL_CA_FILE=.* holds no PEM certificate/],
    [
      'CA file with insecure TLS',
      { IB_PORTAL_CA_FILE: pemFile, IB_PORTAL_INSECURE_TLS: 'true' },
      /IB_PORTAL_INSECURE_TLS=true switches off the certificate check that IB_PORTAL_CA_FILE asks for/,
    ],
    ['fallback dir is a file', { FALLBACK_DIR: plainFile }, /FALLBACK_DIR=.*plain.txt is not a directory/],
    ['fallback dir under a file', { FALLBACK_DIR: join(plainFile, 'buffer') }, /FALLBACK_DIR=.* is a file/],
    [
      'fallback dir on a read-only file system',
      { FALLBACK_DIR: '/proc/bridge-fallback' },
      /FALLBACK_DIR=\/proc\/bridge-fallback cannot be created in \/proc/,
    ],
    ...(userInfo().uid === 0
      ? []
      : ([['unwritable fallback dir', { FALLBACK_DIR: unwritable }, /FALLBACK_DIR=.* is not writable/]] as Array<
          [string, Record<string, string>, RegExp]
        >)),
  ];

  it.each(badCases)('rejects %s with one clear line', (_name, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0]).not.toContain('\n');
  });

  it('accepts a PEM CA file and a fallback directory that does not exist yet, leaving nothing behind', () => {
    const missing = join(scratch, 'new', 'buffer');
    const config = loadConfig({ IB_PORTAL_CA_FILE: pemFile, FALLBACK_DIR: missing });
    expect(config.FALLBACK_DIR).toBe(missing);
    expect(readdirSync(scratch).sort()).toEqual(['ca.pem', 'plain.txt']);
  });

  it('reports every problem, one line each', () => {
    expect(problemsOf({ IB_API_MODE: 'X', IB_PORT: 'y', IB_RESET_TIME: 'z' })).toHaveLength(3);
  });

  // Each value below is wrong in a way that makes its setting fail, and holds a secret that must not be printed.
  const secretCases: Array<[string, Record<string, string>, string]> = [
    [
      'a database URL whose password breaks URL parsing',
      { DATABASE_URL: 'postgres://bridge:S3cret/Pw#1@db:5432/greeks' },
      'config error: DATABASE_URL="postgres://bridge:***@db:5432/greeks" must be a URL starting with postgres:// or postgresql://',
    ],
    [
      'a database URL with the wrong scheme',
      { DATABASE_URL: 'mysql://bridge:S3cretPw@db/greeks' },
      'config error: DATABASE_URL="mysql://bridge:***@db/greeks" must be a URL starting with postgres:// or postgresql://',
    ],
    [
      'a libpq key/value connection string',
      { DATABASE_URL: "host=db user=bridge password='S3cret Pw' dbname=greeks" },
      'config error: DATABASE_URL="host=db user=bridge password=*** dbname=greeks" must be a URL starting with postgres:// or postgresql://',
    ],
    [
      'a webhook URL without its scheme, token in the path',
      { ALERT_WEBHOOK_URL: 'hooks.slack.com/services/T0AB12CD3/B0EF45GH6/S3cretTokenXyz' },
      'config error: ALERT_WEBHOOK_URL="hooks.slack.com/***" must be a URL starting with https:// or http://',
    ],
    [
      'a webhook URL with the wrong scheme, token in the query',
      { ALERT_WEBHOOK_URL: 'ftp://alerts.example.com/hook?token=S3cretTokenXyz' },
      'config error: ALERT_WEBHOOK_URL="ftp://alerts.example.com/***" must be a URL starting with https:// or http://',
    ],
    [
      'a gateway URL with credentials and the wrong scheme',
      { IB_PORTAL_URL: 'ftp://trader:S3cretPw@localhost:5000' },
      'config error: IB_PORTAL_URL="ftp://trader:***@localhost:5000/" must be a URL starting with https:// or http://',
    ],
  ];

  it.each(secretCases)('names the setting and the mistake but hides the secret in %s', (_name, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toEqual([expected]);
    expect(problems[0]).not.toMatch(/S3cret/);
  });

  it('makes the worker exit with code 2 and only the problem lines', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')], {
      env: { PATH: process.env.PATH, IB_API_MODE: 'FIX', IB_PORT: '99999', DATABASE_URL: 'postgres://localhost:1/x' },
      encoding: 'utf8',
      cwd: join(__dirname, '..', '..'),
      timeout: 60_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 2 });
    expect(result.stderr.trim().split('\n')).toEqual([
      'config error: IB_API_MODE="FIX" must be SOCKET or PORTAL',
      'config error: IB_PORT="99999" must be between 1 and 65535',
    ]);
  });

  it('prints no secret on the way out either', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://bridge:S3cret@Pw@db:99999/greeks' },
      encoding: 'utf8',
      cwd: join(__dirname, '..', '..'),
      timeout: 60_000,
    });
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({
      status: 2,
      stderr:
        'config error: DATABASE_URL="postgres://bridge:***@db:99999/greeks" must be a URL starting with postgres:// or postgresql://',
    });
  });
});
