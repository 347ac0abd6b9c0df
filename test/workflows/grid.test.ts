import { firstRunnableSlot, firstSlotFrom, reanchorGrid, skipSlotsBefore, slotTime } from '../../src/workflows/grid';
import { deepFreeze } from './deepFreeze';

const START = 1_700_000_000_000;
const INTERVAL = 5000;

describe('the slot grid', () => {
  it('puts slot k at gridStart + k intervals', () => {
    expect(slotTime({ gridStart: START }, INTERVAL, 0)).toBe(START);
    expect(slotTime({ gridStart: START }, INTERVAL, 7)).toBe(START + 35_000);
  });

  it('lets the slot that started less than an interval ago still run, not the one before it', () => {
    const grid = { gridStart: START };
    // 12.4 s after the start: slot 2 (10 s) started 2.4 s ago and may run; slot 1 (5 s) started 7.4 s ago.
    expect(firstRunnableSlot(grid, INTERVAL, START + 12_400)).toBe(2);
    // Exactly at slot 3's instant: slot 3 runs now, slot 2 is an interval old.
    expect(firstRunnableSlot(grid, INTERVAL, START + 15_000)).toBe(3);
    // Before the grid starts, no slot is late: slot 0 is still ahead.
    expect(firstRunnableSlot(grid, INTERVAL, START - 1)).toBeLessThan(0);
  });

  it('finds the first slot that starts at or after an instant (the end of a reset window)', () => {
    const grid = { gridStart: START };
    expect(firstSlotFrom(grid, INTERVAL, START + 15_000)).toBe(3);
    expect(firstSlotFrom(grid, INTERVAL, START + 15_001)).toBe(4);
    expect(firstSlotFrom(grid, INTERVAL, START + 1)).toBe(1);
  });
});

describe('skipping slots that can no longer run', () => {
  it('gives up the slots between nextSlot and firstRunnable as one gap over their times', () => {
    const grid = deepFreeze({ gridStart: START, nextSlot: 4 });
    // Slots 4, 5, 6 (20 s to 35 s) are lost; slot 7 is next.
    expect(skipSlotsBefore(grid, INTERVAL, 7, 'overrun')).toEqual({
      skipped: 3,
      nextSlot: 7,
      gap: { from: START + 20_000, to: START + 35_000, slots: 3, reason: 'overrun' },
    });
  });

  it('skips nothing when the next slot may still run, and never moves the grid back', () => {
    const grid = deepFreeze({ gridStart: START, nextSlot: 4 });
    expect(skipSlotsBefore(grid, INTERVAL, 4, 'overrun')).toEqual({ skipped: 0, nextSlot: 4, gap: null });
    expect(skipSlotsBefore(grid, INTERVAL, 2, 'reset_window')).toEqual({ skipped: 0, nextSlot: 4, gap: null });
  });

  it('starts the gap when its cause began, if that was within the first skipped slot', () => {
    const grid = deepFreeze({ gridStart: START, nextSlot: 4 });
    // Paused at 22.5 s, inside slot 4: the gap covers 22.5 s to 35 s but still counts three slots.
    expect(skipSlotsBefore(grid, INTERVAL, 7, 'paused', START + 22_500).gap).toEqual({
      from: START + 22_500,
      to: START + 35_000,
      slots: 3,
      reason: 'paused',
    });
    // A cause older than the first skipped slot leaves the gap at that slot's time.
    expect(skipSlotsBefore(grid, INTERVAL, 7, 'paused', START + 1_000).gap?.from).toBe(START + 20_000);
  });
});

describe('re-anchoring the grid on a new interval', () => {
  it('starts the new grid at the next slot of the old one, so the rows already written keep their times', () => {
    const grid = deepFreeze({ gridStart: START, nextSlot: 6 });
    // Next slot 6 of 5 s was due at 30 s: the new grid starts there, at slot 0.
    const anchored = reanchorGrid(grid, INTERVAL);
    expect(anchored).toEqual({ gridStart: START + 30_000, nextSlot: 0 });
    // With a 2 s interval from then on, slot 3 is at 36 s.
    expect(slotTime(anchored, 2000, 3)).toBe(START + 36_000);
  });
});
