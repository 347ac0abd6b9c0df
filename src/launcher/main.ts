/**
 * `npm start`: the whole bridge on one machine. Starts what is not configured elsewhere — a Temporal dev
 * server with the Web UI and a persistent database file, PostgreSQL (embedded unless DATABASE_URL), the TWS
 * simulator (unless a real gateway is configured) — then the worker and the workflow. Ctrl-C stops it all;
 * the next start continues the same workflow and the same tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { loadConfigOrExit } from '../config/load';
import { resolvePostgres, type PostgresHandle } from '../infra/postgres';
import { redactUrl } from '../secrets/redact';
import { namesTemporalServer } from '../temporal/connectionSettings';
import { PROJECT_ROOT, startTemporalDevServer, stopChild, type DevServerHandle } from '../infra/temporalServer';
import { connectClient } from '../cli/temporalClient';
import { startBridge } from '../cli/startBridge';
import { startTwsSimulator } from '../sim/tws';
import { startFakeClientPortal } from '../sim/portal/fakeClientPortal';
import { MAIN_ACCOUNT } from '../sim/model';

/** Launcher-only knobs (not worker settings): where the local data lives and which local ports to use. */
const DATA_DIR = process.env.BRIDGE_DATA_DIR ?? join(PROJECT_ROOT, '.data');
const TEMPORAL_PORT = Number(process.env.BRIDGE_TEMPORAL_PORT ?? 7233);
const TEMPORAL_UI_PORT = Number(process.env.BRIDGE_TEMPORAL_UI_PORT ?? 8233);
const POSTGRES_PORT = Number(process.env.BRIDGE_POSTGRES_PORT ?? 54329);
const step = (message: string) => process.stdout.write(`▸ ${message}\n`);

interface Running {
  temporal?: DevServerHandle;
  postgres?: PostgresHandle;
  simulator?: { close(): Promise<void> };
  worker?: ChildProcess;
}

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const env = { ...process.env };
  const running: Running = {};
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    step('stopping…');
    if (running.worker) await stopChild(running.worker, 20_000);
    await running.simulator?.close();
    await running.postgres?.stop();
    await running.temporal?.stop();
    step('stopped; `npm start` continues where this left off');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const useSimulator = env.IB_API_MODE === 'PORTAL' ? !env.IB_PORTAL_URL : !env.IB_HOST && !env.IB_PORT;
    mkdirSync(DATA_DIR, { recursive: true });

    if (!namesTemporalServer(env)) {
      step(`starting the Temporal dev server (Web UI on http://127.0.0.1:${TEMPORAL_UI_PORT})…`);
      running.temporal = await startTemporalDevServer({
        port: TEMPORAL_PORT,
        uiPort: TEMPORAL_UI_PORT,
        dbFilename: join(DATA_DIR, 'temporal.db'),
        logFile: join(DATA_DIR, 'temporal.log'),
      });
      env.TEMPORAL_ADDRESS = running.temporal.address;
    }

    step(env.DATABASE_URL ? 'checking DATABASE_URL…' : 'starting embedded PostgreSQL (data in .data/postgres)…');
    running.postgres = await resolvePostgres({
      databaseUrl: env.DATABASE_URL,
      dataDir: join(DATA_DIR, 'postgres'),
      database: 'bridge',
      port: POSTGRES_PORT,
      persistent: true,
      callerHandlesSignals: true,
    });
    env.DATABASE_URL = running.postgres.url;

    if (useSimulator && env.IB_API_MODE === 'PORTAL') {
      step('starting the fake Client Portal over HTTPS (no IB_PORTAL_URL configured)…');
      const portal = await startFakeClientPortal({ tls: true, port: 0, seed: 42 });
      running.simulator = portal;
      const caFile = join(DATA_DIR, 'fake-portal-ca.pem');
      writeFileSync(caFile, portal.caPem ?? '');
      env.IB_PORTAL_URL = portal.url;
      env.IB_PORTAL_CA_FILE = caFile;
      env.IB_ACCOUNT ??= MAIN_ACCOUNT;
    } else if (useSimulator) {
      step('starting the TWS simulator (no IB_HOST/IB_PORT configured)…');
      const simulator = await startTwsSimulator({ port: 0, seed: 42 });
      running.simulator = simulator;
      env.IB_API_MODE = 'SOCKET';
      env.IB_HOST = '127.0.0.1';
      env.IB_PORT = String(simulator.port);
      env.IB_ACCOUNT ??= MAIN_ACCOUNT;
    }
    const config = loadConfigOrExit(env);

    step('starting the worker…');
    running.worker = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'worker.ts')], {
      env: { LOG_PRETTY: '1', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    running.worker.on('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`worker exited with ${code}\n`);
        void stopAll(code ?? 1);
      }
    });

    const client = await connectClient(config);
    const account = config.IB_ACCOUNT;
    if (!account) throw new Error('IB_ACCOUNT is required with a real gateway');
    const started = await startBridge(client, config, account);
    if (started.searchAttributesMissing) step(`warning: ${started.searchAttributesMissing}`);
    const ui = running.temporal?.uiUrl ?? '(your Temporal Web UI)';
    process.stdout.write(
      [
        '',
        `  Workflow   ${started.workflowId} ${started.alreadyRunning ? '(continuing)' : '(started)'}`,
        `  Web UI     ${ui}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${started.workflowId}`,
        `  Status     npx bridge status --account ${account}`,
        `  SQL        psql '${running.postgres.embedded ? running.postgres.url : redactUrl(running.postgres.url)}' -c 'select snapshot_at, net_delta, net_gamma, net_vega, net_theta, coverage from portfolio_greeks order by snapshot_at desc limit 5'`,
        `  Health     http://${config.HTTP_HOST}:${config.HTTP_PORT}/readyz   metrics: /metrics`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    process.stderr.write(`start failed: ${(err as Error).message.split('\n')[0]}\n`);
    await stopAll(1);
  }
}

void main();
