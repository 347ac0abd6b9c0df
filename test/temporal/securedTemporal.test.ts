import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { freePort } from '../../src/infra/freePort';
import { PROJECT_ROOT } from '../../src/infra/temporalServer';
import { MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';
import { workflowIdFor } from '../../src/worker/settings';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../../harness/poll';
import { resetEnvAwayFrom } from '../../harness/resetWindow';
import { temporalAddress, uniqueName } from '../support/temporal';
import { startApiKeyFrontend, startMtlsFrontend, type Frontend } from './tlsFrontends';
import { testAuthority } from './testPki';

/**
 * The whole bridge (worker process, `bridge` CLI, workflow cycles writing rows) against Temporal endpoints that
 * are secured the way production clusters and Temporal Cloud are: TLS with a required client certificate, and
 * TLS with an API key. The endpoints are TLS front ends (ALPN h2) to the harness's dev server.
 */
const BIN = join(PROJECT_ROOT, 'bin', 'bridge.js');
const API_KEY = 'tk_live_a1b2c3d4e5f6-api-key-under-test';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: tmpdir() });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('the bridge on a secured Temporal endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secured-temporal-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const authority = testAuthority('cluster');
  const serverCert = authority.server();
  const client = authority.client('bridge-worker');
  const stranger = testAuthority('elsewhere').client('bridge-worker');
  const paths = {
    ca: file('ca.pem', authority.ca.certPem),
    cert: file('client.pem', client.certPem),
    key: file('client.key', client.keyPem),
    strangerCert: file('stranger.pem', stranger.certPem),
    strangerKey: file('stranger.key', stranger.keyPem),
  };
  let mtls: Frontend;
  let apiKeyFrontend: Frontend;
  let simulator: TwsSimulator;
  let database: TestDatabase;
  let plainConnection: Connection;
  let plainClient: Client;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    mtls = await startMtlsFrontend(temporalAddress(), serverCert, authority.ca.certPem);
    apiKeyFrontend = await startApiKeyFrontend(temporalAddress(), serverCert, API_KEY);
    simulator = await startTwsSimulator({ port: 0, seed: 5, settings: { tickIntervalMs: 200 } });
    database = await createTestDatabase('secured_temporal');
    plainConnection = await Connection.connect({ address: temporalAddress() });
    plainClient = new Client({ connection: plainConnection, namespace: 'default' });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await plainConnection?.close();
    await mtls?.close();
    await apiKeyFrontend?.close();
    await simulator?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const baseEnv = (account: string, temporal: Record<string, string>, httpPort: number): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DATABASE_URL: database.url,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: uniqueName('secured'),
    IB_HOST: '127.0.0.1',
    IB_PORT: String(simulator.port),
    IB_ACCOUNT: account,
    CYCLE_INTERVAL_MS: '1000',
    HTTP_PORT: String(httpPort),
    FALLBACK_DIR: mkdtempSync(join(dir, 'buffer-')),
    LOG_LEVEL: 'info',
    ...resetEnvAwayFrom(),
    ...temporal,
  });

  async function runBridge(account: string, clientId: string, temporal: Record<string, string>) {
    const httpPort = await freePort();
    const env = { ...baseEnv(account, temporal, httpPort), IB_CLIENT_ID: clientId };
    const worker = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'worker.ts')], {
      cwd: PROJECT_ROOT,
      env,
    });
    workers.push(worker);
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const workflowId = workflowIdFor(account);
    try {
      await eventually(
        () =>
          fetch(`http://127.0.0.1:${httpPort}/healthz`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        90_000,
        'the worker to serve /healthz',
      );
      const started = await runCli(['start', '--json'], env);
      expect(started).toMatchObject({ code: 0 });
      expect(JSON.parse(started.out)).toMatchObject({ workflowId });

      const sql = new PgClient({ connectionString: database.url });
      await sql.connect();
      try {
        const rows = () =>
          sql
            .query('select count(*) from portfolio_greeks where workflow_id = $1', [workflowId])
            .then((r) => Number(r.rows[0].count));
        await eventually(rows, (n) => n >= 2, 60_000, 'rows written through the secured endpoint');
      } finally {
        await sql.end();
      }
      const status = await runCli(['status', '--json'], env);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.out)).toMatchObject({ workflowId, account });
      expect(JSON.parse(status.out).cyclesTotal).toBeGreaterThanOrEqual(2);
      expect(output).not.toContain(API_KEY);
      expect(output).not.toContain(client.keyPem.split('\n')[1]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- worker output ---\n${output.slice(-3000)}`);
    } finally {
      await plainClient.workflow
        .getHandle(workflowId)
        .terminate('secured Temporal test done')
        .catch(() => undefined);
      worker.kill('SIGTERM');
      await new Promise((resolve) => (worker.exitCode !== null ? resolve(null) : worker.once('exit', resolve)));
    }
  }

  it('with mutual TLS: the worker and `bridge start`/`status` connect with the client certificate, and cycles write rows', async () => {
    await runBridge(MAIN_ACCOUNT, '31', {
      TEMPORAL_ADDRESS: mtls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: paths.key,
    });
  }, 240_000);

  it('refuses a client certificate from another authority, or none, with a message that names the settings', async () => {
    const env = baseEnv(
      MAIN_ACCOUNT,
      { TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca },
      1,
    );
    const wrong = await runCli(['status'], {
      ...env,
      TEMPORAL_TLS_CLIENT_CERT_PATH: paths.strangerCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: paths.strangerKey,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err.trim().split('\n')).toHaveLength(1);
    expect(wrong.out).toBe('');
    expect(wrong.err).toContain(`Temporal at ${mtls.address}, namespace default, mTLS cannot be reached`);
    expect(wrong.err).toContain('check TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH');

    const none = await runCli(['status'], env);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`Temporal at ${mtls.address}, namespace default, server TLS cannot be reached`);
    expect(none.err).toContain(
      'set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or TEMPORAL_API_KEY',
    );

    const untrusted = await runCli(['status'], {
      ...env,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.strangerCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: paths.key,
    });
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toContain('set TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  }, 60_000);

  it('with an API key: the worker and the CLI send it, and cycles write rows', async () => {
    await runBridge(SMALL_ACCOUNT, '32', {
      TEMPORAL_ADDRESS: apiKeyFrontend.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca,
      TEMPORAL_API_KEY: API_KEY,
    });
  }, 240_000);

  it('refuses a wrong API key with a message that names the setting and not the key', async () => {
    const wrongKey = 'tk_live_not-the-right-key-0000';
    const wrong = await runCli(['status'], {
      ...baseEnv(MAIN_ACCOUNT, {}, 1),
      TEMPORAL_ADDRESS: apiKeyFrontend.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca,
      TEMPORAL_API_KEY: wrongKey,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('check TEMPORAL_API_KEY');
    expect(wrong.err).not.toContain(wrongKey);
  }, 60_000);
});
