import { combineFigures, type FaultFigures, type GridFigures, type ScenarioFigures } from './gridFigures';
import type { SnapshotLedger } from './ledger';
import { unexplainedCheck, type TargetResult } from './targets';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/** One scenario's outcome: the grid figures (docs/reliability.md), every check made and the targets judged. */
export interface ScenarioResult {
  scenario: string;
  /** The cycle interval the figures were measured at; null when the scenario's workflows ran at different ones. */
  intervalMs: number | null;
  grid: number;
  stored: number;
  missing: number;
  missingByReason: Record<string, number>;
  unexplained: number;
  /** stored / (grid − reset-window slots − paused slots), 0 … 1; null when no slot was asked for. */
  availability: number | null;
  recoveryP50Ms: number | null;
  recoveryMaxMs: number | null;
  /** 0 by construction (the unique cycle key); counted anyway. */
  duplicated: number;
  /** Rows whose snapshot_at lies outside their own slot. */
  outsideOwnSlot: number;
  /** Slots with a row that a cycles_skipped row reports as skipped. */
  falseGaps: number;
  faults: FaultFigures[];
  passed: boolean;
  seconds: number;
  apiLogs: string;
  apiLogCounts: Record<string, number>;
  checks: Check[];
  /** Met or missed; a missed target does not fail the scenario. */
  targets: TargetResult[];
}

/** Collects figures and checks while a scenario runs, so a scenario that throws still reports what it saw. */
export class ScenarioReport {
  readonly parts: GridFigures[] = [];
  apiLogs = '';
  apiLogCounts: Record<string, number> = {};
  readonly checks: Check[] = [];
  readonly targets: TargetResult[] = [];
  private readonly started = Date.now();

  constructor(readonly scenario: string) {}

  check(what: string, ok: boolean, detail: string | number = ''): boolean {
    this.checks.push({ what, ok, detail: String(detail) });
    return ok;
  }

  target(result: TargetResult): void {
    this.targets.push(result);
  }

  /** The figures so far, all workflows of the scenario together. */
  figures(): ScenarioFigures {
    return combineFigures(this.parts);
  }

  /**
   * Adds one workflow's figures and checks them: rows stored, no unexplained missing slot, no duplicate, the
   * buffers empty. Whether each row's snapshot lies in its own slot is reported as a finding, not a failure.
   */
  addLedger(ledger: SnapshotLedger, label = ''): void {
    const { figures } = ledger;
    this.parts.push(figures);
    const prefix = label ? `${label}: ` : '';
    this.check(`${prefix}snapshots stored`, figures.stored > 0, `${figures.stored} of ${figures.grid} grid slots`);
    const unexplained = unexplainedCheck(figures);
    this.check(`${prefix}0 unexplained missing slots`, unexplained.ok, unexplained.detail);
    this.check(`${prefix}0 duplicated`, figures.duplicated === 0, figures.duplicated);
    this.check(`${prefix}JSONL buffer empty at the end`, ledger.bufferedLeft === 0, `${ledger.bufferedLeft} row(s)`);
    this.target({
      target: `${prefix}every row's snapshot_at inside its own slot`,
      met: figures.outsideOwnSlot === 0,
      detail: `${figures.outsideOwnSlot} of ${figures.stored} outside, at a ${figures.intervalMs / 1000} s interval`,
      intervalMs: figures.intervalMs,
    });
    this.target({
      target: `${prefix}no gap recorded for a slot that has a row`,
      met: figures.falseGaps === 0,
      detail: `${figures.falseGaps} stored slot(s) also recorded as skipped`,
      intervalMs: figures.intervalMs,
    });
  }

  /** Missing slots by reason across the scenario, excluding `unexplained`: the gaps the bridge recorded. */
  recordedReasons(): string[] {
    return Object.keys(this.figures().missingByReason)
      .filter((label) => label !== 'unexplained')
      .flatMap((label) => label.split('+'));
  }

  fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.check('scenario ran to the end', false, message.split('\n')[0].slice(0, 400));
  }

  result(): ScenarioResult {
    const f = this.figures();
    return {
      scenario: this.scenario,
      intervalMs: f.intervalMs,
      grid: f.grid,
      stored: f.stored,
      missing: f.missing,
      missingByReason: f.missingByReason,
      unexplained: f.unexplained,
      availability: f.availability,
      recoveryP50Ms: f.recoveryP50Ms,
      recoveryMaxMs: f.recoveryMaxMs,
      duplicated: f.duplicated,
      outsideOwnSlot: f.outsideOwnSlot,
      falseGaps: f.falseGaps,
      faults: f.faults,
      passed: this.checks.length > 0 && this.checks.every((c) => c.ok),
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      apiLogs: this.apiLogs,
      apiLogCounts: this.apiLogCounts,
      checks: this.checks,
      targets: this.targets,
    };
  }
}
