/**
 * The arithmetic of the fault suite's figures, apart from any IO: which grid slots a run had, which of them have
 * a row, why the others are missing, the availability and how fast rows came back after each fault.
 *
 * A slot is the interval [s, s + intervalMs) of the workflow's grid; a row belongs to the slot of its cycle key.
 */

/** One stored row: the slot of its cycle key and the instant its snapshot was taken (`snapshot_at`). */
export interface StoredRow {
  slotAt: number;
  snapshotAt: number;
}

/** A `cycles_skipped` row of api_logs: slots [from, to) without a row, and why. */
export interface RecordedGap {
  from: number;
  to: number;
  reason: string;
  /** Reasons of older gaps folded into this one when a long outage produced more than a cycle carries. */
  otherReasons?: string[];
}

export interface TimeWindow {
  start: number;
  end: number;
}

/** An injected fault: from when it began to when the suite undid it (a kill has start = end). */
export interface FaultWindow extends TimeWindow {
  label: string;
}

export interface GridRun {
  intervalMs: number;
  /** The start of any slot of the workflow's grid (slots are anchor + k · intervalMs). */
  anchor: number;
  /** When the stack was ready: the first counted slot is the first that starts at or after this instant. */
  readyAt: number;
  /** The last counted slot is the last that starts at or before this instant. */
  until: number;
  rows: StoredRow[];
  gaps: RecordedGap[];
  /** The workflow's configured nightly reset windows during the run. */
  resetWindows: TimeWindow[];
  faults: FaultWindow[];
}

/** What happened around one fault. */
export interface FaultFigures {
  label: string;
  /** Slots that start inside the fault ([start, end)). */
  downtimeSlots: number;
  /** From the fault's end to the `snapshot_at` of the first row taken at or after it; null: no row came. */
  recoveryMs: number | null;
  /** Missing slots between the last row before the fault and that first row after it. */
  missing: number;
  missingByReason: Record<string, number>;
}

export interface GridFigures {
  intervalMs: number;
  /** Every slot from the first after the stack was ready to the end of the run, no exclusions. */
  grid: number;
  /** Grid slots with a row. */
  stored: number;
  /** Grid slots without a row: grid − stored. */
  missing: number;
  /** The missing slots by the reason a `cycles_skipped` row gives them; `unexplained` when none covers them. */
  missingByReason: Record<string, number>;
  unexplained: number;
  /** The first few unexplained slots, to look them up in the logs. */
  unexplainedSlots: number[];
  /** Grid slots inside a configured reset window, and slots recorded as paused: the bridge is not asked for them. */
  resetWindowSlots: number;
  pausedSlots: number;
  /** Slots the bridge was asked for: grid − reset-window slots − paused slots (a slot both is excluded once). */
  askedFor: number;
  /** Of those, the slots with a row. */
  storedAskedFor: number;
  /** storedAskedFor / askedFor; null when the bridge was asked for nothing. */
  availability: number | null;
  /** Rows beyond one per slot. The unique cycle key makes this 0 by construction; it is counted anyway. */
  duplicated: number;
  /** Rows whose `snapshot_at` lies outside their own slot (a cycle that ran late or early). */
  outsideOwnSlot: number;
  /** Grid slots with a row that a `cycles_skipped` row nevertheless reports as skipped: gaps that are not true. */
  falseGaps: number;
  faults: FaultFigures[];
  recoveryP50Ms: number | null;
  recoveryMaxMs: number | null;
  /** Faults after which no row came before the end of the run. */
  unrecovered: number;
}

/** A scenario's figures: one workflow's, or several added up (intervalMs null when they ran at different ones). */
export type ScenarioFigures = Omit<GridFigures, 'intervalMs'> & { intervalMs: number | null };

export const UNEXPLAINED = 'unexplained';
const EXAMPLES = 5;

/** The reason a slot is missing, as one label: a folded gap names all of its reasons (`a+b`). */
function gapLabel(gap: RecordedGap): string {
  return [gap.reason, ...(gap.otherReasons ?? []).filter((r) => r !== gap.reason)].join('+');
}

/** The median by nearest rank (the lower middle of an even count). */
export function medianNearestRank(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

function add(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** The figures of one workflow's run. */
export function gridFigures(run: GridRun): GridFigures {
  const { intervalMs, anchor } = run;
  if (!(intervalMs > 0)) throw new Error(`intervalMs must be positive, got ${intervalMs}`);
  const firstIndex = Math.ceil((run.readyAt - anchor) / intervalMs);
  const lastIndex = Math.floor((run.until - anchor) / intervalMs);
  const slotAt = (index: number) => anchor + index * intervalMs;
  const inRun = (slot: number) => slot >= slotAt(firstIndex) && slot <= slotAt(lastIndex);

  const storedSlots = new Set(run.rows.map((row) => row.slotAt));
  const duplicated = run.rows.length - storedSlots.size;
  const outsideOwnSlot = run.rows.filter(
    (row) => inRun(row.slotAt) && !(row.snapshotAt >= row.slotAt && row.snapshotAt < row.slotAt + intervalMs),
  ).length;
  const gaps = [...run.gaps].sort((a, b) => a.from - b.from);
  // A gap covers the slots it overlaps: a paused gap may begin inside a slot, at the instant of the pause.
  const gapOf = (slot: number) => gaps.find((gap) => slot < gap.to && slot + intervalMs > gap.from);
  const inReset = (slot: number) => run.resetWindows.some((w) => slot >= w.start && slot < w.end);

  let grid = 0;
  let stored = 0;
  let askedFor = 0;
  let storedAskedFor = 0;
  let resetWindowSlots = 0;
  let pausedSlots = 0;
  let falseGaps = 0;
  const missingByReason: Record<string, number> = {};
  const unexplainedSlots: number[] = [];
  const reasonOf = new Map<number, string>();
  for (let index = firstIndex; index <= lastIndex; index += 1) {
    const slot = slotAt(index);
    grid += 1;
    const has = storedSlots.has(slot);
    const gap = gapOf(slot);
    const reset = inReset(slot);
    const paused = gap?.reason === 'paused';
    if (reset) resetWindowSlots += 1;
    if (paused) pausedSlots += 1;
    if (!reset && !paused) {
      askedFor += 1;
      if (has) storedAskedFor += 1;
    }
    if (has) {
      stored += 1;
      if (gap) falseGaps += 1;
      continue;
    }
    const reason = gap ? gapLabel(gap) : UNEXPLAINED;
    reasonOf.set(slot, reason);
    add(missingByReason, reason);
    if (!gap && unexplainedSlots.length < EXAMPLES) unexplainedSlots.push(slot);
  }

  const counted = run.rows.filter((row) => inRun(row.slotAt));
  const byTime = [...counted].sort((a, b) => a.snapshotAt - b.snapshotAt);
  const bySlot = [...counted].sort((a, b) => a.slotAt - b.slotAt);
  const faults = run.faults.map((fault): FaultFigures => {
    const next = byTime.find((row) => row.snapshotAt >= fault.end);
    const before = bySlot.filter((row) => row.slotAt < fault.start).pop();
    const fromSlot = before ? before.slotAt + intervalMs : slotAt(firstIndex);
    const toSlot = next ? next.slotAt : slotAt(lastIndex) + intervalMs;
    const byReason: Record<string, number> = {};
    let missing = 0;
    for (const [slot, reason] of reasonOf) {
      if (slot >= fromSlot && slot < toSlot) {
        missing += 1;
        add(byReason, reason);
      }
    }
    const downtimeSlots = Math.max(
      0,
      Math.ceil((fault.end - anchor) / intervalMs) - Math.ceil((fault.start - anchor) / intervalMs),
    );
    return {
      label: fault.label,
      downtimeSlots,
      recoveryMs: next ? next.snapshotAt - fault.end : null,
      missing,
      missingByReason: byReason,
    };
  });
  const recoveries = faults.map((f) => f.recoveryMs).filter((ms): ms is number => ms !== null);

  return {
    intervalMs,
    grid,
    stored,
    missing: grid - stored,
    missingByReason,
    unexplained: missingByReason[UNEXPLAINED] ?? 0,
    unexplainedSlots,
    resetWindowSlots,
    pausedSlots,
    askedFor,
    storedAskedFor,
    availability: askedFor > 0 ? storedAskedFor / askedFor : null,
    duplicated,
    outsideOwnSlot,
    falseGaps,
    faults,
    recoveryP50Ms: medianNearestRank(recoveries),
    recoveryMaxMs: recoveries.length > 0 ? Math.max(...recoveries) : null,
    unrecovered: faults.length - recoveries.length,
  };
}

/**
 * Several workflows of one scenario as one set of figures: counts add up, availability is recomputed from the
 * sums, recovery is taken over all faults. The interval is the one they share, or null when they differ.
 */
export function combineFigures(parts: GridFigures[]): ScenarioFigures {
  const sum = (pick: (f: GridFigures) => number) => parts.reduce((n, f) => n + pick(f), 0);
  const missingByReason: Record<string, number> = {};
  for (const part of parts)
    for (const [reason, n] of Object.entries(part.missingByReason)) add(missingByReason, reason, n);
  const askedFor = sum((f) => f.askedFor);
  const storedAskedFor = sum((f) => f.storedAskedFor);
  const faults = parts.flatMap((f) => f.faults);
  const recoveries = faults.map((f) => f.recoveryMs).filter((ms): ms is number => ms !== null);
  const intervals = new Set(parts.map((f) => f.intervalMs));
  return {
    intervalMs: intervals.size === 1 ? [...intervals][0] : null,
    grid: sum((f) => f.grid),
    stored: sum((f) => f.stored),
    missing: sum((f) => f.missing),
    missingByReason,
    unexplained: sum((f) => f.unexplained),
    unexplainedSlots: parts.flatMap((f) => f.unexplainedSlots).slice(0, EXAMPLES),
    resetWindowSlots: sum((f) => f.resetWindowSlots),
    pausedSlots: sum((f) => f.pausedSlots),
    askedFor,
    storedAskedFor,
    availability: askedFor > 0 ? storedAskedFor / askedFor : null,
    duplicated: sum((f) => f.duplicated),
    outsideOwnSlot: sum((f) => f.outsideOwnSlot),
    falseGaps: sum((f) => f.falseGaps),
    faults,
    recoveryP50Ms: medianNearestRank(recoveries),
    recoveryMaxMs: recoveries.length > 0 ? Math.max(...recoveries) : null,
    unrecovered: faults.length - recoveries.length,
  };
}
