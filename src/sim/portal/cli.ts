import { Command } from 'commander';
import { integer } from '../cliOptions';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPortfolioFile, PortfolioError } from '../model';
import { startFakeClientPortal } from './fakeClientPortal';

/** `npx tsx src/sim/portal/cli.ts --port <n> --seed <n> [--http]` */
async function main(): Promise<void> {
  const program = new Command()
    .name('fake-client-portal')
    .description('Fake IBKR Client Portal Gateway (HTTPS with a generated certificate, or --http) on 127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', integer('--port', 0, 65535), 5000)
    .option('--seed <n>', 'seed of the price walk', integer('--seed', 0, 2 ** 31 - 1), 1)
    .option('--http', 'plain HTTP instead of HTTPS')
    .option('--portfolio <file>', 'portfolio JSON file (default: the built-in portfolio)')
    .option('--ca-out <file>', 'where to write the certificate PEM (for IB_PORTAL_CA_FILE)')
    .option(
      '--gateway-certificate',
      "serve a certificate like the real gateway's own (expired, CN Client Portal Web API, no host names): pin it",
    )
    .option('--logged-out', 'start without a session (every call 401 until POST /__control/login)')
    .option('--idle-timeout-ms <n>', 'session expiry without /tickle', integer('--idle-timeout-ms', 1, 2 ** 31 - 1))
    .option('--outage-window <HH:MM>', 'nightly /iserver outage start, in --time-zone')
    .option('--outage-minutes <n>', 'length of the nightly outage', integer('--outage-minutes', 1, 1440), 5)
    .option('--time-zone <tz>', 'time zone of the outage window', 'America/New_York')
    .option(
      '--penalty-box-ms <n>',
      'after a 429, refuse everything this long',
      integer('--penalty-box-ms', 0, 2 ** 31 - 1),
      0,
    )
    .option(
      '--field-delays <ms,ms,ms,ms>',
      'after a pre-flight: prices, delta/IV, the lag of gamma/theta/vega, the per-conid spread (default 500,2000,1000,1500)',
    )
    .option('--no-control', 'do not serve POST /__control/<action>');
  program.parse(process.argv);
  const opts = program.opts<{
    port: number;
    seed: number;
    http?: boolean;
    portfolio?: string;
    caOut?: string;
    gatewayCertificate?: boolean;
    loggedOut?: boolean;
    idleTimeoutMs?: number;
    outageWindow?: string;
    outageMinutes: number;
    timeZone: string;
    penaltyBoxMs: number;
    fieldDelays?: string;
    control: boolean;
  }>();
  if (opts.outageWindow && !/^\d{1,2}:\d{2}$/.test(opts.outageWindow)) {
    console.error('fake-client-portal: --outage-window must be HH:MM');
    process.exit(2);
  }
  const delays = opts.fieldDelays?.split(',').map(Number);
  if (delays && (delays.length !== 4 || delays.some((value) => !Number.isInteger(value) || value < 0))) {
    console.error('fake-client-portal: --field-delays must be four whole numbers of ms >= 0, e.g. 500,2000,1000,1500');
    process.exit(2);
  }
  let portfolio;
  try {
    portfolio = opts.portfolio ? loadPortfolioFile(opts.portfolio, Date.now()) : undefined;
  } catch (error) {
    if (error instanceof PortfolioError) {
      console.error(`fake-client-portal: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const fake = await startFakeClientPortal({
    tls: !opts.http,
    certificate: opts.gatewayCertificate ? 'gatewayBundled' : 'localhost',
    port: opts.port,
    seed: opts.seed,
    portfolio,
    controlEndpoint: opts.control,
    session: {
      loggedIn: !opts.loggedOut,
      ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    },
    rateLimit: { penaltyBoxMs: opts.penaltyBoxMs },
    ...(delays
      ? {
          api: {
            fieldDelays: { pricesMs: delays[0], greeksMs: delays[1], secondOrderLagMs: delays[2], spreadMs: delays[3] },
          },
        }
      : {}),
    outageWindow: opts.outageWindow
      ? { start: opts.outageWindow, durationMinutes: opts.outageMinutes, timeZone: opts.timeZone }
      : undefined,
  });
  console.log(`fake Client Portal listening on ${fake.url} (API under /v1/api)`);
  if (fake.caPem) {
    const caFile = opts.caOut ?? join(tmpdir(), `fake-client-portal-${fake.port}.pem`);
    writeFileSync(caFile, fake.caPem);
    const fingerprint = new X509Certificate(fake.caPem).fingerprint256;
    if (opts.gatewayCertificate) console.log(`IB_PORTAL_URL=${fake.url} IB_PORTAL_CERT_SHA256=${fingerprint}`);
    else console.log(`certificate written to ${caFile}: IB_PORTAL_URL=${fake.url} IB_PORTAL_CA_FILE=${caFile}`);
  }
  if (opts.control) console.log(`faults: POST ${fake.url}/__control/<action> (see docs/portal.md)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    fake.close().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`fake-client-portal: close failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`fake-client-portal: ${error.message}`);
  process.exit(1);
});
