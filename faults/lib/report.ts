import type { SnapshotLedger } from './ledger';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/** One scenario's outcome: the snapshot figures the issue asks for, plus every check made. */
export interface ScenarioResult {
  scenario: string;
  expected: number;
  stored: number;
  lost: number;
  duplicated: number;
  passed: boolean;
  seconds: number;
  apiLogs: string;
  apiLogCounts: Record<string, number>;
  skipped: Record<string, number>;
  checks: Check[];
}

/** Collects figures and checks while a scenario runs, so a scenario that throws still reports what it saw. */
export class ScenarioReport {
  expected = 0;
  stored = 0;
  lost = 0;
  duplicated = 0;
  skipped: Record<string, number> = {};
  apiLogs = '';
  apiLogCounts: Record<string, number> = {};
  readonly checks: Check[] = [];
  private readonly started = Date.now();

  constructor(readonly scenario: string) {}

  check(what: string, ok: boolean, detail: string | number = ''): boolean {
    this.checks.push({ what, ok, detail: String(detail) });
    return ok;
  }

  /** Adds a ledger's figures (several workflows in one scenario add up) and checks 0 lost, 0 duplicated. */
  addLedger(ledger: SnapshotLedger, label = ''): void {
    this.expected += ledger.expected;
    this.stored += ledger.stored;
    this.lost += ledger.lost;
    this.duplicated += ledger.duplicated;
    for (const [reason, slots] of Object.entries(ledger.skipped))
      this.skipped[reason] = (this.skipped[reason] ?? 0) + slots;
    const prefix = label ? `${label}: ` : '';
    this.check(`${prefix}snapshots stored`, ledger.stored > 0, ledger.stored);
    this.check(`${prefix}0 lost`, ledger.lost === 0, ledger.lost ? `lost slots ${ledger.lostSlots.join(', ')}` : 0);
    this.check(`${prefix}0 duplicated`, ledger.duplicated === 0, ledger.duplicated);
    this.check(`${prefix}JSONL buffer empty at the end`, ledger.bufferedLeft === 0, `${ledger.bufferedLeft} row(s)`);
  }

  fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.check('scenario ran to the end', false, message.split('\n')[0].slice(0, 400));
  }

  result(): ScenarioResult {
    return {
      scenario: this.scenario,
      expected: this.expected,
      stored: this.stored,
      lost: this.lost,
      duplicated: this.duplicated,
      passed: this.checks.length > 0 && this.checks.every((c) => c.ok),
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      apiLogs: this.apiLogs,
      apiLogCounts: this.apiLogCounts,
      skipped: this.skipped,
      checks: this.checks,
    };
  }
}
