import type { GapReason, GapRecord } from './types';

/**
 * The workflow's fixed wall-clock grid: slot k starts at gridStart + k·intervalMs, and `nextSlot` is the first slot
 * not yet run or given up. Rows are stamped with their slot's instant, so the grid, not the moment a timer fired,
 * decides which row a cycle writes.
 */
export interface GridPosition {
  gridStart: number;
  nextSlot: number;
}

/** When `slot` starts. */
export function slotTime(grid: Pick<GridPosition, 'gridStart'>, intervalMs: number, slot: number): number {
  return grid.gridStart + slot * intervalMs;
}

/**
 * The first slot that may still run at `now`: the slot that started less than an interval ago still can, one that
 * started an interval or more ago is lost.
 */
export function firstRunnableSlot(grid: Pick<GridPosition, 'gridStart'>, intervalMs: number, now: number): number {
  return Math.floor((now - grid.gridStart) / intervalMs);
}

/** The first slot that starts at or after `until` (the end of a reset window, say). */
export function firstSlotFrom(grid: Pick<GridPosition, 'gridStart'>, intervalMs: number, until: number): number {
  return Math.ceil((until - grid.gridStart) / intervalMs);
}

export interface SkippedSlots {
  /** How many slots were given up (0: none, and `gap` is null). */
  skipped: number;
  nextSlot: number;
  /** The skipped slots as one gap, to report; null when none were skipped. */
  gap: GapRecord | null;
}

/**
 * Gives up every slot before `firstRunnable` that has not run, as one gap with `reason`. `since` clips the gap's start
 * to when the cause began (a pause that began within a slot): the slots are counted whole, the time is the cause's.
 * A `firstRunnable` at or before `nextSlot` skips nothing: the grid never runs backwards.
 */
export function skipSlotsBefore(
  grid: GridPosition,
  intervalMs: number,
  firstRunnable: number,
  reason: GapReason,
  since?: number,
): SkippedSlots {
  const skipped = Math.max(0, firstRunnable - grid.nextSlot);
  if (skipped === 0) return { skipped, nextSlot: grid.nextSlot, gap: null };
  const from = slotTime(grid, intervalMs, grid.nextSlot);
  return {
    skipped,
    nextSlot: firstRunnable,
    gap: {
      from: since !== undefined ? Math.max(from, since) : from,
      to: slotTime(grid, intervalMs, firstRunnable),
      slots: skipped,
      reason,
    },
  };
}

/**
 * A new interval starts a new grid at the next slot's instant, so the slots already run keep their times and the
 * next row comes exactly when it was due; the new interval counts from there.
 */
export function reanchorGrid(grid: GridPosition, previousIntervalMs: number): GridPosition {
  return { gridStart: slotTime(grid, previousIntervalMs, grid.nextSlot), nextSlot: 0 };
}
