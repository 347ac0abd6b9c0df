/**
 * The worker process: holds the IB connection and the Postgres pool, runs the bridge workflow and its
 * activities, and serves /healthz, /readyz and /metrics. Configuration comes from the environment (.env).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { CONFIG_EXIT_CODE, loadConfigOrExit } from './config/load';
import type { BridgeConfig } from './config/schema';
import { brokerFromConfig } from './broker/fromConfig';
import { Client, Connection } from '@temporalio/client';
import { applyRetention, createDb, classifyDbError, migrate } from './db';
import { createFallbackBuffer } from './buffer';
import { probePostgres } from './infra/postgres';
import { redactUrl } from './secrets/redact';
import { freePort } from './infra/freePort';
import { createLogger, type Logger } from './observability/logger';
import { BridgeMetrics } from './observability/metrics';
import { startHealthServer } from './observability/httpServer';
import { createBridgeWorkers } from './worker/createWorkers';
import { gateOnSchema, startSchemaMigration } from './worker/schemaMigration';
import { bufferIdentity } from './worker/bufferIdentity';
import { workflowIdFor } from './worker/settings';
import { bufferReportSignal, sessionReleasedSignal } from './workflows/messages';
import { connectionOptions, temporalSettingsOf } from './temporal/connectionSettings';
import { temporalConnectError } from './temporal/connectError';
import { checkSearchAttributes, describeMissingSearchAttributes } from './temporal/searchAttributes';

/** Built by `npm run build:bundle` (and the Docker image) so production workers skip bundling at start. */
const PREBUILT_BUNDLE = join(__dirname, '..', 'dist', 'workflow-bundle.js');
/** A migration that gets no answer for this long is stopped and tried again. */
const MIGRATION_TIMEOUT_MS = 60_000;

async function workflowBundle(logger: Logger): Promise<WorkflowBundleOption> {
  if (existsSync(PREBUILT_BUNDLE)) return { codePath: PREBUILT_BUNDLE };
  logger.info('bundling workflow code (no prebuilt bundle found)');
  return bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN', (entry) => logger.warn(entry.message)),
  });
}

export async function runWorker(config: BridgeConfig, logger: Logger): Promise<void> {
  const databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('config error: DATABASE_URL is required by the worker (`npm start` provides one)\n');
    process.exit(CONFIG_EXIT_CODE);
  }
  const unreachable = await probePostgres(databaseUrl);
  if (unreachable) logger.warn({ database: redactUrl(databaseUrl) }, `Postgres not reachable yet: ${unreachable}`);
  // Before the first insert, and again until Postgres answers: the store refuses (the rows go to the buffer) until then.
  const schema = startSchemaMigration({
    migrate: () =>
      migrate(databaseUrl, { log: (message: string) => logger.info(message), timeoutMs: MIGRATION_TIMEOUT_MS }),
    log: (level, message) => logger[level]({ database: redactUrl(databaseUrl) }, message),
  });
  if (!unreachable) await schema.firstAttempt;

  const sdkMetricsPort = await freePort();
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => logger.warn({ sdk: entry.meta }, entry.message)),
    // The worker stops itself on these signals (below): a session holder hands the IB session over first.
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } },
  });

  const metrics = new BridgeMetrics();
  const db = gateOnSchema(createDb({ url: databaseUrl, log: (level, message) => logger[level](message) }), schema);
  const buffer = createFallbackBuffer({ dir: config.FALLBACK_DIR, log: (level, message) => logger[level](message) });
  const bufferId = await bufferIdentity(config.FALLBACK_DIR);
  const broker = brokerFromConfig(config, logger);
  // @stoqey/ib decodes frames inside its socket handler, so a frame it cannot parse (e.g. a bad
  // advancedOrderRejectJson) throws where no adapter code can catch it. That must cost a reconnect, not the
  // process; anything else uncaught is a bug and stops the worker so its supervisor restarts it.
  process.on('uncaughtException', (err) => {
    if (String(err.stack).includes('@stoqey/ib')) {
      logger.error({ err: { message: err.message } }, 'IB client failed on a frame from the gateway; reconnecting');
      void broker.reconnect(`IB client failed on a gateway frame: ${err.message}`).catch(() => undefined);
      return;
    }
    logger.fatal({ err: { message: err.message, stack: err.stack } }, 'uncaught exception');
    process.exit(1);
  });

  // The adapter logs its own events; the metrics follow the state they leave behind.
  broker.onEvent(() => metrics.connectionState(broker.state()));

  const temporal = temporalSettingsOf(config);
  const connection = await NativeConnection.connect(connectionOptions(temporal)).catch(async (err: Error) => {
    throw await temporalConnectError(temporal, err);
  });
  // Rows buffered by this worker while another holds the session are reported to the account's workflow.
  const client = new Client({
    connection: await Connection.connect(connectionOptions(temporal)),
    namespace: temporal.namespace,
  });
  const reportTo = config.IB_ACCOUNT ? [workflowIdFor(config.IB_ACCOUNT)] : [];
  const attributes = await checkSearchAttributes(client, temporal.namespace);
  if (attributes.kind === 'missing') logger.warn(describeMissingSearchAttributes(attributes));
  const workers = await createBridgeWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await workflowBundle(logger),
    databaseUrl,
    clientId: config.IB_CLIENT_ID,
    broker,
    store: db,
    buffer,
    classifyDbError,
    applyRetention: (days) => applyRetention(db, days),
    aggregateOptions: () => ({
      maxAgeMs: config.GREEKS_MAX_AGE_MS,
      allowedSources: config.GREEKS_SOURCES,
      localModel: { rate: config.GREEKS_MODEL_RATE, maxIvAgeMs: config.GREEKS_MODEL_MAX_IV_AGE_MS },
      betas: config.BETAS,
      betaBenchmark: config.BETA_BENCHMARK ?? null,
    }),
    reconnectTimeoutMs: 60_000,
    observer: metrics,
    bufferId,
    probeDatabase: () => db.ping(),
    reportBufferedRows: async (report) => {
      for (const workflowId of reportTo) await client.workflow.getHandle(workflowId).signal(bufferReportSignal, report);
    },
    announceRelease: (workflowId, release) =>
      client.workflow.getHandle(workflowId).signal(sessionReleasedSignal, release),
    handoverWaitMs: config.CYCLE_INTERVAL_MS + 1000,
    alertWebhook: config.ALERT_WEBHOOK_URL
      ? { url: config.ALERT_WEBHOOK_URL, timeoutMs: config.ALERT_WEBHOOK_TIMEOUT_MS }
      : undefined,
  });

  const maxCycleAgeMs = Math.max(30_000, 3 * config.CYCLE_INTERVAL_MS);
  const http = await startHealthServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    metrics,
    sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
    readiness: [
      { name: 'schema', check: () => schema.problem() },
      {
        name: 'postgres',
        check: () =>
          db.ping().then(
            () => null,
            (err: Error) => err.message,
          ),
      },
      {
        name: 'ib',
        check: () =>
          !workers.session.holds()
            ? null // a standby worker is ready to take over; it holds no connection on purpose
            : broker.state() === 'ready'
              ? null
              : `connection ${broker.state()}`,
      },
      {
        name: 'cycles',
        check: () => {
          if (!workers.session.holds()) return null;
          if (metrics.lastCycleAt.value === 0) return 'no cycle written yet';
          const ageMs = Date.now() - metrics.lastCycleAt.value;
          return ageMs < maxCycleAgeMs ? null : `no cycle for ${Math.round(ageMs / 1000)} s`;
        },
      },
    ],
  });
  logger.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      sessionQueue: workers.sessionQueue,
      http: `${config.HTTP_HOST}:${config.HTTP_PORT}`,
      // The host only: the rest of a webhook URL may carry a token.
      alertWebhook: config.ALERT_WEBHOOK_URL ? new URL(config.ALERT_WEBHOOK_URL).host : 'off',
    },
    'worker running',
  );
  const stopOn = (signal: NodeJS.Signals) => {
    logger.info({ signal }, workers.session.holds() ? 'stopping: handing the IB session over' : 'stopping');
    void workers.shutdown();
    // A second signal means now: the lease then ends with this process's database session.
    process.once(signal, () => {
      logger.warn({ signal }, 'stopping at once');
      process.exit(1);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stopOn(signal));
  try {
    await workers.run();
  } finally {
    schema.stop();
    http.close();
    await broker.stop();
    await db.close();
    await connection.close();
    await client.connection.close();
    logger.info('worker stopped');
  }
}

if (require.main === module) {
  loadDotenv({ quiet: true });
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, { pretty: process.env.LOG_PRETTY === '1' });
  runWorker(config, logger).catch((err: Error) => {
    logger.fatal({ err: { message: err.message } }, `worker failed: ${err.message}`);
    process.exit(1);
  });
}
