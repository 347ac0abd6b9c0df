/**
 * Benchmark (not a test): snapshot() + aggregateGreeks() on the real SOCKET adapter, fed by the TWS simulator over
 * loopback, at 60 and 2,000 options (plus one stock per underlying). Prints p50/p99 in µs and bytes per cycle.
 *
 *   npx tsx bench/snapshot-aggregate.ts [--sizes 60,2000] [--iterations 2000]
 *
 * Subscribing 2,000 lines takes about 45 s: the adapter paces its requests under IB's 50 msg/s.
 */
import { createSocketBroker } from '../src/broker/socket';
import { aggregateGreeks } from '../src/greeks';
import { parsePortfolio } from '../src/sim/model';
import { startTwsSimulator } from '../src/sim/tws';
import { exposeGc } from './lib/memory';
import { BENCH_ACCOUNT as ACCOUNT, benchPortfolio, linesNeeded } from './lib/portfolio';
import { percentile } from './lib/stats';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

async function measure(options: number, iterations: number, gc: () => void): Promise<void> {
  const lines = linesNeeded(options) + 10;
  const sim = await startTwsSimulator({
    seed: 5,
    portfolio: parsePortfolio(benchPortfolio(options), Date.now()),
    settings: { lineLimit: lines, tickIntervalMs: 1_000, pacingLimit: 0 },
  });
  const broker = createSocketBroker({ host: sim.host, port: sim.port, maxMarketDataLines: lines });
  const loadStarted = Date.now();
  broker.start();
  try {
    await broker.waitUntilReady(30_000);
    for (;;) {
      const result = aggregateGreeks(broker.snapshot(ACCOUNT), { now: Date.now(), maxAgeMs: 60_000 });
      if (result.optionCount === options && result.coverage === 1) break;
      if (Date.now() - loadStarted > 180_000) throw new Error(`only ${result.coveredOptionCount} options covered`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    // Warm-up: let the JIT optimise both functions before measuring.
    for (let i = 0; i < 300; i++) aggregateGreeks(broker.snapshot(ACCOUNT), { now: Date.now(), maxAgeMs: 60_000 });

    const snapshotUs: number[] = [];
    const aggregateUs: number[] = [];
    const totalUs: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const snapshot = broker.snapshot(ACCOUNT);
      const t1 = performance.now();
      aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 60_000 });
      const t2 = performance.now();
      snapshotUs.push((t1 - t0) * 1000);
      aggregateUs.push((t2 - t1) * 1000);
      totalUs.push((t2 - t0) * 1000);
      // Let the socket deliver ticks between cycles, as in production.
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    // Bytes allocated by one cycle: heap growth across a cycle run right after a full GC (median of 31).
    const allocated: number[] = [];
    for (let i = 0; i < 31; i++) {
      gc();
      const before = process.memoryUsage().heapUsed;
      aggregateGreeks(broker.snapshot(ACCOUNT), { now: Date.now(), maxAgeMs: 60_000 });
      const grown = process.memoryUsage().heapUsed - before;
      if (grown > 0) allocated.push(grown);
    }

    for (const list of [snapshotUs, aggregateUs, totalUs, allocated]) list.sort((a, b) => a - b);
    const row = (label: string, values: number[]): string =>
      `  ${label.padEnd(22)} p50 ${percentile(values, 50).toFixed(1).padStart(9)} µs   p99 ${percentile(values, 99)
        .toFixed(1)
        .padStart(9)} µs`;
    console.log(`${options} options (${iterations} cycles; all lines streaming after ${loadSeconds.toFixed(1)} s)`);
    console.log(row('snapshot()', snapshotUs));
    console.log(row('aggregateGreeks()', aggregateUs));
    console.log(row('snapshot + aggregate', totalUs));
    const bytes = percentile(allocated, 50);
    console.log(
      `  allocated per cycle    ~${(bytes / 1024).toFixed(1)} KiB (${(bytes / options).toFixed(0)} B/option)`,
    );
  } finally {
    await broker.stop();
    await sim.close();
  }
}

async function main(): Promise<void> {
  const sizes = argument('sizes', '60,2000')
    .split(',')
    .map((size) => Number(size));
  const iterations = Number(argument('iterations', '2000'));
  const gc = exposeGc();
  console.log(`node ${process.version}, ${iterations} cycles per size`);
  for (const size of sizes) await measure(size, iterations, gc);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
