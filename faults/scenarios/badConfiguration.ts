import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/infra/temporalServer';
import type { FaultContext } from '../lib/environment';
import type { Scenario } from '../lib/scenario';
import { logMessage } from '../lib/workerProcess';

export interface ConfigCase {
  name: string;
  /** Changes to a valid environment; undefined removes the variable. */
  env: Record<string, string | undefined>;
  /** The variable the one line must name. */
  names: string;
}

/** Otherwise valid: nothing listens on these ports, so a case that slips through fails fast instead of hanging. */
const VALID_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://bridge@127.0.0.1:1/bridge',
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  IB_API_MODE: 'SOCKET',
  IB_PORT: '4002',
  LOG_LEVEL: 'warn',
};

/** At least 20 ways to misconfigure the worker; each must stop it with exit code 2 and one line naming the setting. */
export function configCases(dir: string): ConfigCase[] {
  const plainFile = join(dir, 'not-a-directory');
  writeFileSync(plainFile, 'x');
  const caDirectory = join(dir, 'ca-is-a-directory');
  mkdirSync(caDirectory, { recursive: true });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
  return [
    { name: 'unknown mode', env: { IB_API_MODE: 'FIX' }, names: 'IB_API_MODE' },
    { name: 'lower-case mode', env: { IB_API_MODE: 'socket' }, names: 'IB_API_MODE' },
    { name: 'port not a number', env: { IB_PORT: 'abc' }, names: 'IB_PORT' },
    { name: 'port zero', env: { IB_PORT: '0' }, names: 'IB_PORT' },
    { name: 'port above 65535', env: { IB_PORT: '70000' }, names: 'IB_PORT' },
    { name: 'HTTP port above 65535', env: { HTTP_PORT: '65536' }, names: 'HTTP_PORT' },
    { name: 'negative client id', env: { IB_CLIENT_ID: '-1' }, names: 'IB_CLIENT_ID' },
    { name: 'client id not a number', env: { IB_CLIENT_ID: 'ten' }, names: 'IB_CLIENT_ID' },
    { name: 'malformed account id', env: { IB_ACCOUNT: 'du-123' }, names: 'IB_ACCOUNT' },
    { name: 'unknown market data type', env: { IB_MARKET_DATA_TYPE: 'realtime' }, names: 'IB_MARKET_DATA_TYPE' },
    { name: 'zero market data lines', env: { IB_MAX_MARKET_DATA_LINES: '0' }, names: 'IB_MAX_MARKET_DATA_LINES' },
    { name: 'portal URL without scheme', env: { IB_PORTAL_URL: 'localhost:5000' }, names: 'IB_PORTAL_URL' },
    { name: 'portal URL with ftp scheme', env: { IB_PORTAL_URL: 'ftp://gateway:5000' }, names: 'IB_PORTAL_URL' },
    { name: 'unreadable CA file', env: { IB_PORTAL_CA_FILE: '/nonexistent/ca.pem' }, names: 'IB_PORTAL_CA_FILE' },
    { name: 'CA file is a directory', env: { IB_PORTAL_CA_FILE: caDirectory }, names: 'IB_PORTAL_CA_FILE' },
    {
      name: 'CA file and insecure TLS together',
      env: { IB_API_MODE: 'PORTAL', IB_PORTAL_CA_FILE: caFile, IB_PORTAL_INSECURE_TLS: 'true' },
      names: 'IB_PORTAL_INSECURE_TLS',
    },
    { name: 'insecure flag not a boolean', env: { IB_PORTAL_INSECURE_TLS: 'maybe' }, names: 'IB_PORTAL_INSECURE_TLS' },
    { name: 'reset time 24:00', env: { IB_RESET_TIME: '24:00' }, names: 'IB_RESET_TIME' },
    { name: 'reset time with am/pm', env: { IB_RESET_TIME: '11:45pm' }, names: 'IB_RESET_TIME' },
    { name: 'unknown time zone', env: { IB_RESET_TIMEZONE: 'America/Gotham' }, names: 'IB_RESET_TIMEZONE' },
    { name: 'negative reset duration', env: { IB_RESET_DURATION_MINUTES: '-15' }, names: 'IB_RESET_DURATION_MINUTES' },
    {
      name: 'reset duration over 12 h',
      env: { IB_RESET_DURATION_MINUTES: '1000' },
      names: 'IB_RESET_DURATION_MINUTES',
    },
    { name: 'negative cycle interval', env: { CYCLE_INTERVAL_MS: '-5000' }, names: 'CYCLE_INTERVAL_MS' },
    { name: 'cycle interval under 100 ms', env: { CYCLE_INTERVAL_MS: '10' }, names: 'CYCLE_INTERVAL_MS' },
    { name: 'zero Greeks max age', env: { GREEKS_MAX_AGE_MS: '0' }, names: 'GREEKS_MAX_AGE_MS' },
    { name: 'negative retention', env: { GREEKS_RETENTION_DAYS: '-1' }, names: 'GREEKS_RETENTION_DAYS' },
    { name: 'database URL not postgres', env: { DATABASE_URL: 'mysql://db/bridge' }, names: 'DATABASE_URL' },
    { name: 'database URL missing', env: { DATABASE_URL: undefined }, names: 'DATABASE_URL' },
    { name: 'Temporal address without port', env: { TEMPORAL_ADDRESS: 'localhost' }, names: 'TEMPORAL_ADDRESS' },
    { name: 'betas without benchmark', env: { BETAS: 'AAPL=1.1' }, names: 'BETA' },
    { name: 'malformed betas', env: { BETAS: 'AAPL', BETA_BENCHMARK: 'SPY' }, names: 'BETAS' },
    { name: 'unknown log level', env: { LOG_LEVEL: 'verbose' }, names: 'LOG_LEVEL' },
    { name: 'alert webhook not a URL', env: { ALERT_WEBHOOK_URL: 'hooks.example' }, names: 'ALERT_WEBHOOK_URL' },
    { name: 'fallback dir is a file', env: { FALLBACK_DIR: plainFile }, names: 'FALLBACK_DIR' },
    {
      name: 'fallback dir on a read-only file system',
      env: { FALLBACK_DIR: '/proc/bridge-fallback' },
      names: 'FALLBACK_DIR',
    },
  ];
}

export interface ConfigOutcome {
  case: ConfigCase;
  code: number | null;
  lines: string[];
  ok: boolean;
}

/** Runs the real worker entry point with the case's environment. */
export function runConfigCase(testCase: ConfigCase, timeoutMs = 60_000): Promise<ConfigOutcome> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  for (const [key, value] of Object.entries({ ...VALID_ENV, ...testCase.env }))
    if (value !== undefined) env[key] = value;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'worker.ts')], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = output.split('\n').filter((line) => line.trim() !== '');
      const ok =
        code === 2 && lines.length === 1 && lines[0].startsWith('config error:') && lines[0].includes(testCase.names);
      resolve({ case: testCase, code, lines, ok });
    });
  });
}

/** Runs the cases a few at a time (each is a Node start-up). */
export async function runConfigCases(ctx: FaultContext, concurrency = 3): Promise<ConfigOutcome[]> {
  const cases = configCases(ctx.dir('bad-config'));
  const outcomes: ConfigOutcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const testCase = cases[next++];
        outcomes.push(await runConfigCase(testCase));
      }
    }),
  );
  return cases.map((testCase) => outcomes.find((o) => o.case === testCase)!);
}

/** Bad configuration through the real worker entry point. */
export const badConfiguration: Scenario = {
  id: 'bad-config',
  title: 'bad configuration: each case exits 2 with one clear line',
  proves:
    'a misconfigured worker never starts half-way: every case (mode, ports, URLs, client id, time zone, reset time, intervals, CA file, fallback dir ...) stops it with exit code 2 and one line naming the setting',
  async run(ctx, report) {
    const outcomes = await runConfigCases(ctx);
    report.check('at least 20 cases', outcomes.length >= 20, outcomes.length);
    for (const outcome of outcomes) {
      const first = outcome.lines[0] ?? '(no output)';
      const detail = outcome.ok
        ? first
        : `exit ${outcome.code}, ${outcome.lines.length} line(s): ${outcome.lines.map(logMessage).join(' | ').slice(0, 240)}`;
      report.check(outcome.case.name, outcome.ok, detail);
    }
  },
};
