import { Command, InvalidArgumentError } from 'commander';
import { integer } from '../cliOptions';
import { loadPortfolioFile, PortfolioError } from '../model';
import { startControlServer } from './httpControl';
import { startTwsSimulator } from './server';
import { STREAM_MODES, StreamMode } from './settings';

/** `npm run sim -- --port <n> --seed <n> [--portfolio <file>] [--control-port <n>]` */
async function main(): Promise<void> {
  const program = new Command()
    .name('sim')
    .description(
      'Fake IB Gateway speaking the TWS API (server versions 151 to 193, negotiated per client) on 127.0.0.1',
    )
    .option('--port <n>', 'TCP port for API clients (0 = any free port)', integer('--port', 0, 65535), 4002)
    .option('--seed <n>', 'seed of the price walk and random faults', integer('--seed', 0, 2 ** 31 - 1), 1)
    .option('--portfolio <file>', 'portfolio JSON file (default: the built-in portfolio)')
    .option('--control-port <n>', 'HTTP control endpoint port (0 = any free port)', integer('--control-port', 0, 65535))
    .option('--tick-interval-ms <n>', 'tick round interval', integer('--tick-interval-ms', 10, 60_000), 250)
    .option(
      '--stream <mode>',
      `how each interval's ticks are written: ${STREAM_MODES.join(', ')} (see docs/simulator.md)`,
      (value: string) => {
        if (!(STREAM_MODES as readonly string[]).includes(value)) {
          throw new InvalidArgumentError(`--stream must be one of ${STREAM_MODES.join(', ')}, got ${value}`);
        }
        return value as StreamMode;
      },
      'spread' as StreamMode,
    )
    .option('--burst-updates <n>', 'rounds per line in one write in burst mode', integer('--burst-updates', 1, 1000), 5)
    .option('--line-limit <n>', 'market-data line limit', integer('--line-limit', 0, 1_000_000), 100)
    .option(
      '--pacing-limit <n>',
      'client messages per second before error 100 (0 = off)',
      integer('--pacing-limit', 0, 1_000_000),
      50,
    )
    .option('--no-live-data', 'the account has no live subscriptions: delayed data with 10167')
    .option('--verbose', 'log every inbound message');
  program.parse(process.argv);
  const opts = program.opts<{
    port: number;
    seed: number;
    portfolio?: string;
    controlPort?: number;
    tickIntervalMs: number;
    stream: StreamMode;
    burstUpdates: number;
    lineLimit: number;
    pacingLimit: number;
    liveData: boolean;
    verbose?: boolean;
  }>();

  let portfolio;
  try {
    portfolio = opts.portfolio ? loadPortfolioFile(opts.portfolio, Date.now()) : undefined;
  } catch (error) {
    if (error instanceof PortfolioError) {
      console.error(`sim: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const stamp = () => new Date().toISOString();
  const sim = await startTwsSimulator({
    port: opts.port,
    seed: opts.seed,
    portfolio,
    settings: {
      tickIntervalMs: opts.tickIntervalMs,
      streamMode: opts.stream,
      burstUpdates: opts.burstUpdates,
      lineLimit: opts.lineLimit,
      pacingLimit: opts.pacingLimit,
      liveEntitled: opts.liveData,
    },
    log: (level, message) => {
      if (level === 'info' || opts.verbose) console.log(`${stamp()} ${message}`);
    },
  });
  console.log(
    `${stamp()} TWS simulator listening on ${sim.host}:${sim.port} (server versions 151..${sim.settings.serverVersion}, seed ${opts.seed})`,
  );
  const control = opts.controlPort === undefined ? undefined : await startControlServer(sim, opts.controlPort);
  if (control) console.log(`${stamp()} control endpoint on http://127.0.0.1:${control.port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${stamp()} ${signal}: shutting down`);
    await control?.close();
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`sim: ${error.message}`);
  process.exit(1);
});
