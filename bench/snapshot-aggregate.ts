/**
 * Benchmark (not a test): snapshot() + aggregateGreeks() on the real SOCKET adapter, fed by the TWS simulator over
 * loopback, at 60 and 2,000 positions. Prints p50/p99 in µs and the bytes allocated per cycle.
 *
 *   npx tsx bench/snapshot-aggregate.ts [--sizes 60,2000] [--iterations 2000]
 *
 * Subscribing 2,000 lines takes about 45 s: the adapter paces its requests under IB's 50 msg/s.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSocketBroker } from '../src/broker/socket';
import { aggregateGreeks } from '../src/greeks';
import { parsePortfolio, type PortfolioFile } from '../src/sim/model';
import { startTwsSimulator } from '../src/sim/tws';

const ACCOUNT = 'DU1000001';
const UNDERLYINGS = 20;

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** `positions` rows: one stock per underlying, the rest options spread over strikes, expiries and rights. */
function portfolioOf(positions: number): PortfolioFile {
  const contracts: PortfolioFile['contracts'] = [];
  const rows: PortfolioFile['positions'] = [];
  const underlyings = Math.min(UNDERLYINGS, Math.max(1, Math.floor(positions / 6)));
  for (let u = 0; u < underlyings; u++) {
    const conId = 100_000 + u;
    contracts.push({
      conId,
      symbol: `U${u}`,
      localSymbol: `U${u}`,
      secType: 'STK',
      startPrice: 50 + 10 * u,
      walkVolatility: 0.3,
      impliedVol: 0.3,
    });
    rows.push({ account: ACCOUNT, conId, quantity: 100, avgCost: 50 });
  }
  for (let i = 0; i < positions - underlyings; i++) {
    const u = i % underlyings;
    const conId = 1_000_000 + i;
    const right = i % 2 === 0 ? 'C' : 'P';
    const strike = Math.round((50 + 10 * u) * (0.8 + 0.01 * (i % 40)));
    contracts.push({
      conId,
      symbol: `U${u}`,
      localSymbol: `U${u} ${i} ${right}${strike}`,
      secType: 'OPT',
      right,
      strike,
      expiry: `+${10 + (i % 12) * 15}d`,
      multiplier: 100,
      underConId: 100_000 + u,
    });
    rows.push({ account: ACCOUNT, conId, quantity: i % 3 === 0 ? -2 : 3, avgCost: 100 });
  }
  return { accounts: [{ id: ACCOUNT }], contracts, positions: rows };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function measure(positions: number, iterations: number, gc: () => void): Promise<void> {
  const sim = await startTwsSimulator({
    seed: 5,
    portfolio: parsePortfolio(portfolioOf(positions), Date.now()),
    settings: { lineLimit: positions + 10, tickIntervalMs: 1_000, pacingLimit: 0 },
  });
  const broker = createSocketBroker({ host: sim.host, port: sim.port, maxMarketDataLines: positions + 10 });
  const loadStarted = Date.now();
  broker.start();
  try {
    await broker.waitUntilReady(30_000);
    for (;;) {
      const result = aggregateGreeks(broker.snapshot(ACCOUNT), { now: Date.now(), maxAgeMs: 60_000 });
      if (result.positionCount === positions && result.coverage === 1) break;
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
    console.log(`${positions} positions (${iterations} cycles; all lines streaming after ${loadSeconds.toFixed(1)} s)`);
    console.log(row('snapshot()', snapshotUs));
    console.log(row('aggregateGreeks()', aggregateUs));
    console.log(row('snapshot + aggregate', totalUs));
    const bytes = percentile(allocated, 50);
    console.log(
      `  allocated per cycle    ~${(bytes / 1024).toFixed(1)} KiB (${(bytes / positions).toFixed(0)} B/position)`,
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
