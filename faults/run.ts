/**
 * The fault suite: each scenario runs the real worker processes against the real Temporal dev
 * server, PostgreSQL, the TWS simulator and the fake Client Portal, injects one kind of failure, and ends
 * with the grid figures (grid, stored, missing by reason, unexplained, availability, recovery), the targets met or
 * missed, and the api_logs sequence it observed.
 *
 *   npm run faults [-- --quick] [-- --json] [-- --only postgres-outage,worker-kills] [-- --seed N]
 *
 * Starts its own Temporal dev server (SQLite file) and PostgreSQL (DATABASE_URL's server with scratch
 * databases, else embedded). Progress goes to stderr, the table to stdout, and with --json one JSON object
 * is the last line of stdout. Exits 1 when any scenario failed. See docs/reliability.md.
 */
import { parseArgs } from 'node:util';
import { startFaultEnvironment } from './lib/environment';
import { runScenario } from './lib/scenario';
import { formatResults } from './lib/table';
import type { ScenarioResult } from './lib/report';
import { SCENARIOS } from './scenarios';

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const known = SCENARIOS.map((s) => s.id);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((id) => !known.includes(id)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { quick: values.quick ?? false, json: values.json ?? false, only, seed };
}

const progress = (line: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`faults: ${(err as Error).message}\n`);
    return 2;
  }
  const selected = SCENARIOS.filter((s) => !options.only || options.only.includes(s.id));
  const started = Date.now();
  progress(`${options.quick ? 'quick' : 'full'} run of ${selected.length} scenario(s), seed ${options.seed}`);
  const environment = await startFaultEnvironment({
    quick: options.quick,
    seed: options.seed,
    log: progress,
    postgresUrl: undefined,
  });
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) results.push(await runScenario(scenario, environment.context));
  } finally {
    await environment.close();
  }
  const minutes = Math.round((Date.now() - started) / 6000) / 10;
  process.stdout.write(`${formatResults(results)}\n\n`);
  const failed = results.filter((r) => !r.passed).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed in ${minutes} min\n`);
  if (options.json) {
    const summary = results.map((r) => ({
      scenario: r.scenario,
      intervalMs: r.intervalMs,
      grid: r.grid,
      stored: r.stored,
      missing: r.missing,
      missingByReason: r.missingByReason,
      unexplained: r.unexplained,
      availability: r.availability,
      recoveryP50Ms: r.recoveryP50Ms,
      recoveryMaxMs: r.recoveryMaxMs,
      duplicated: r.duplicated,
      outsideOwnSlot: r.outsideOwnSlot,
      falseGaps: r.falseGaps,
      targets: r.targets,
      passed: r.passed,
    }));
    process.stdout.write(
      `${JSON.stringify({ quick: options.quick, minutes, scenarios: summary, details: results })}\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`faults: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
