/**
 * What reading the market-data stream costs the worker, with and without the SOCKET adapter's pre-filter and
 * fair-share decoding:
 *
 *   npx tsx bench/ingest.ts [--options 2000] [--rate 4] [--seconds 10]
 *
 * The TWS simulator (own process) streams `options` option lines at `rate` updates each per second (3 prices with
 * sizes, a volume, 4 option computations per update; a round of all lines in one write, as a gateway does). A real
 * @stoqey/ib client with the adapter's MarketDataBook reads it. Printed per configuration: this process's CPU (% of
 * one core, and per 1,000 updates/s) and the event-loop delay (perf_hooks.monitorEventLoopDelay) over the window.
 */
import { idleLoopDelay, measureIngest, startIngestSimulator, type IngestFigures } from './lib/ingestCpu';
import type { IngestSettings } from '../src/broker/socket/libraryIngest';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`ingest bench: --${name} must be a positive number, got ${process.argv[index + 1]}`);
    process.exit(2);
  }
  return value;
}

const CONFIGURATIONS: Array<{ name: string; ingest: Partial<IngestSettings> }> = [
  { name: 'plain library', ingest: { preFilter: false, fairShare: false } },
  { name: 'pre-filter', ingest: { preFilter: true, fairShare: false } },
  { name: 'fair share', ingest: { preFilter: false, fairShare: true } },
  { name: 'pre-filter + fair share', ingest: { preFilter: true, fairShare: true } },
];

function row(name: string, f: IngestFigures): string {
  return [
    name.padEnd(24),
    f.updatesPerSecond.toFixed(0).padStart(9),
    f.cpuPct.toFixed(1).padStart(7),
    f.cpuPctPer1000.toFixed(2).padStart(12),
    f.loopDelayP99Ms.toFixed(1).padStart(9),
    f.loopDelayMaxMs.toFixed(1).padStart(9),
    (Number.isNaN(f.longestTurnMs) ? '-' : f.longestTurnMs.toFixed(1)).padStart(9),
    `${(100 * f.droppedShare).toFixed(0)} %`.padStart(9),
  ].join(' ');
}

async function main(): Promise<void> {
  const options = Math.round(arg('options', 2000));
  const rate = arg('rate', 4);
  const seconds = arg('seconds', 10);
  console.log(`${options} option lines × ${rate} updates/s = ${options * rate} updates/s target, ${seconds} s each`);
  console.log(
    `${'configuration'.padEnd(24)} ${'updates/s'.padStart(9)} ${'CPU %'.padStart(7)} ${'%/1k upd/s'.padStart(12)} ${'loop p99'.padStart(9)} ${'loop max'.padStart(9)} ${'max turn'.padStart(9)} ${'dropped'.padStart(9)}`,
  );
  const idle = await idleLoopDelay(Math.min(seconds, 5));
  console.log(
    `${'no stream (floor)'.padEnd(24)} ${'0'.padStart(9)} ${idle.cpuPct.toFixed(1).padStart(7)} ${'-'.padStart(12)} ${idle.p99Ms.toFixed(1).padStart(9)} ${idle.maxMs.toFixed(1).padStart(9)} ${'-'.padStart(9)} ${'-'.padStart(9)}`,
  );
  const sim = await startIngestSimulator({ options, rate });
  try {
    for (const configuration of CONFIGURATIONS) {
      const figures = await measureIngest({ options, rate, seconds, ingest: configuration.ingest }, sim);
      console.log(row(configuration.name, figures));
    }
  } finally {
    await sim.close();
  }
  console.log(
    'CPU: this process (process.cpuUsage). Loop delay: ms beyond the 10 ms sampling interval of monitorEventLoopDelay.',
  );
  console.log('Max turn: the longest fair-share decoding slice, in ms (what a timer or I/O callback can wait behind).');
}

main().catch((error: Error) => {
  console.error(`ingest bench: ${error.message}`);
  process.exit(1);
});
