import type { FaultContext } from './environment';
import { ScenarioReport, type ScenarioResult } from './report';

export interface Scenario {
  /** Stable name, used by --only and in the JSON line. */
  id: string;
  title: string;
  /** One sentence for docs/reliability.md: what passing this scenario shows. */
  proves: string;
  run(ctx: FaultContext, report: ScenarioReport): Promise<void>;
}

/** Runs one scenario; an exception becomes a failed check, never an aborted suite. */
export async function runScenario(scenario: Scenario, ctx: FaultContext): Promise<ScenarioResult> {
  const report = new ScenarioReport(scenario.id);
  ctx.log(`${scenario.id}: ${scenario.title}`);
  try {
    await scenario.run(ctx, report);
  } catch (err) {
    report.fail(err);
  }
  const result = report.result();
  ctx.log(
    `${scenario.id}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds} s` +
      ` (grid ${result.grid}, stored ${result.stored}, missing ${result.missing}, unexplained ${result.unexplained},` +
      ` duplicated ${result.duplicated}, interval ${result.intervalMs ?? '-'} ms)`,
  );
  for (const check of result.checks.filter((c) => !c.ok)) ctx.log(`  failed: ${check.what}: ${check.detail}`);
  for (const target of result.targets.filter((t) => !t.met))
    ctx.log(`  target missed: ${target.target}: ${target.detail}`);
  return result;
}
