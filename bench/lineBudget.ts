/**
 * Benchmark (not a test): Greeks for every option when the account holds more options than market-data lines. The
 * TWS simulator allows 100 lines (IB's default allowance) and the SOCKET adapter keeps to its default budget of 95;
 * the options take turns on the lines the underlyings leave, and the local model covers them between turns. Every
 * 5 s (a cycle) it aggregates the adapter's snapshot with the local model allowed and records:
 *
 * - coverage: options with Greeks / options held, from the first cycle after the adapter is ready;
 * - sources: options covered by IB's model (on a line now) and by the local model (between turns);
 * - IV age: how old IB's volatility behind each local-model figure is, i.e. how long an option waits between turns;
 * - delta error: each local-model delta against the simulator's own model delta at the same instant.
 *
 *   npx tsx bench/lineBudget.ts [--sizes 60,500,2000] [--seconds 60,150,400] [--json]
 */
import { createSocketBroker, SOCKET_BROKER_DEFAULTS } from '../src/broker/socket';
import { aggregateGreeks } from '../src/greeks';
import { parsePortfolio } from '../src/sim/model';
import { startTwsSimulator } from '../src/sim/tws';
import { BENCH_ACCOUNT as ACCOUNT, benchPortfolio } from './lib/portfolio';
import { percentile as sortedPercentile } from './lib/stats';

const SIMULATOR_LINES = 100;
const CYCLE_MS = 5_000;
const LOCAL_MODEL = { rate: 0.04, maxIvAgeMs: 600_000 };

function percentile(values: readonly number[], p: number): number {
  return sortedPercentile(
    [...values].sort((a, b) => a - b),
    p,
  );
}

function maximum(values: readonly number[]): number {
  return values.reduce((max, value) => Math.max(max, value), -Infinity);
}

function minimum(values: readonly number[]): number {
  return values.reduce((min, value) => Math.min(min, value), Infinity);
}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

interface SizeResult {
  options: number;
  lines: number;
  seconds: number;
  rotation_lines: number | null;
  first_full_coverage_s: number | null;
  cycles: number;
  cycles_fully_covered: number;
  coverage_min: number;
  coverage_after_first_full_min: number | null;
  ib_model_positions_p50: number;
  local_model_positions_p50: number;
  iv_age_p50_s: number;
  iv_age_p99_s: number;
  iv_age_max_s: number;
  delta_error_p50: number;
  delta_error_p99: number;
  delta_error_max: number;
  simulator_error101: number;
  simulator_pacing_violations: number;
}

async function measure(options: number, seconds: number): Promise<SizeResult> {
  const sim = await startTwsSimulator({
    seed: 5,
    portfolio: parsePortfolio(benchPortfolio(options), Date.now()),
    settings: { lineLimit: SIMULATOR_LINES },
  });
  const broker = createSocketBroker({ host: sim.host, port: sim.port, account: ACCOUNT });
  const started = Date.now();
  broker.start();
  const coverage: number[] = [];
  const ibModel: number[] = [];
  const local: number[] = [];
  const ivAgesS: number[] = [];
  const deltaErrors: number[] = [];
  let firstFull: number | null = null;
  let afterFirstFullMin: number | null = null;
  try {
    await broker.waitUntilReady(30_000);
    const ready = Date.now();
    for (let cycle = 1; Date.now() - ready < seconds * 1000; cycle++) {
      await new Promise((resolve) => setTimeout(resolve, ready + cycle * CYCLE_MS - Date.now()));
      const now = Date.now();
      const snapshot = broker.snapshot(ACCOUNT);
      const result = aggregateGreeks(snapshot, { now, maxAgeMs: 15_000, localModel: LOCAL_MODEL });
      coverage.push(result.coverage);
      ibModel.push(result.sources.ib_model?.positions ?? 0);
      local.push(result.sources.local_model?.positions ?? 0);
      if (result.coverage === 1 && firstFull === null) firstFull = (now - started) / 1000;
      if (firstFull !== null) afterFirstFullMin = Math.min(afterFirstFullMin ?? 1, result.coverage);
      for (const fallback of result.fallbackPositions) {
        if (fallback.source !== 'local_model') continue;
        ivAgesS.push(fallback.ageMs / 1000);
        const position = snapshot.positions.find((p) => p.conId === fallback.conId)!;
        const single = aggregateGreeks(
          { ...snapshot, positions: [position], greeks: { [position.conId]: snapshot.greeks[position.conId] } },
          { now, maxAgeMs: 15_000, localModel: LOCAL_MODEL },
        );
        const delta = single.totals.delta / (position.quantity * position.multiplier);
        deltaErrors.push(Math.abs(delta - sim.model.optionGreeks(position.conId, now).delta));
      }
    }
    const counters = sim.counters();
    return {
      options,
      lines: SOCKET_BROKER_DEFAULTS.maxMarketDataLines,
      seconds,
      rotation_lines: broker.marketDataStats().rotation?.lines ?? null,
      first_full_coverage_s: firstFull,
      cycles: coverage.length,
      cycles_fully_covered: coverage.filter((c) => c === 1).length,
      coverage_min: minimum(coverage),
      coverage_after_first_full_min: afterFirstFullMin,
      ib_model_positions_p50: percentile(ibModel, 50),
      local_model_positions_p50: percentile(local, 50),
      iv_age_p50_s: ivAgesS.length ? percentile(ivAgesS, 50) : 0,
      iv_age_p99_s: ivAgesS.length ? percentile(ivAgesS, 99) : 0,
      iv_age_max_s: ivAgesS.length ? maximum(ivAgesS) : 0,
      delta_error_p50: deltaErrors.length ? percentile(deltaErrors, 50) : 0,
      delta_error_p99: deltaErrors.length ? percentile(deltaErrors, 99) : 0,
      delta_error_max: deltaErrors.length ? maximum(deltaErrors) : 0,
      simulator_error101: counters.error101 ?? 0,
      simulator_pacing_violations: counters.pacingViolations ?? 0,
    };
  } finally {
    await broker.stop();
    await sim.close();
  }
}

async function main(): Promise<void> {
  const sizes = argument('sizes', '60,500,2000').split(',').map(Number);
  const seconds = argument('seconds', '60,150,400').split(',').map(Number);
  const results: SizeResult[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const result = await measure(sizes[i], seconds[Math.min(i, seconds.length - 1)]);
    results.push(result);
    if (process.argv.includes('--json')) console.error(JSON.stringify(result));
    else console.log(result);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
