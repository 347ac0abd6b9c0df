import { MAX_PENDING_GAPS, withGap } from '../../src/workflows/pendingGaps';
import type { GapRecord } from '../../src/workflows/types';
import { deepFreeze } from './deepFreeze';

const T = 1_700_000_000_000;
const S = 5000;

function gap(slot: number, slots: number, reason: GapRecord['reason']): GapRecord {
  return { from: T + slot * S, to: T + (slot + slots) * S, slots, reason };
}

describe('pending gaps', () => {
  it('extends the last gap when the new one continues it with the same reason', () => {
    const pending = deepFreeze([gap(0, 1, 'paused'), gap(3, 2, 'db_unavailable')]);
    expect(withGap(pending, gap(5, 1, 'db_unavailable'))).toEqual([
      gap(0, 1, 'paused'),
      { from: T + 3 * S, to: T + 6 * S, slots: 3, reason: 'db_unavailable' },
    ]);
  });

  it('adds a gap with another reason, or one that does not touch the last, as its own', () => {
    const pending = deepFreeze([gap(3, 2, 'db_unavailable')]);
    expect(withGap(pending, gap(5, 1, 'worker_unavailable'))).toEqual([
      gap(3, 2, 'db_unavailable'),
      gap(5, 1, 'worker_unavailable'),
    ]);
    // Slot 5 ran between them: the same reason makes a second gap.
    expect(withGap(pending, gap(6, 1, 'db_unavailable'))).toEqual([
      gap(3, 2, 'db_unavailable'),
      gap(6, 1, 'db_unavailable'),
    ]);
  });

  it('past the cap, folds the two oldest into one gap that keeps both reasons and every slot', () => {
    // Three gaps, cap 2: the oldest two (slots 0 and 2) fold into one from slot 0 to slot 3 of 2 slots.
    const pending = deepFreeze([gap(0, 1, 'paused'), gap(2, 1, 'overrun')]);
    expect(withGap(pending, gap(4, 1, 'db_unavailable'), 2)).toEqual([
      { from: T, to: T + 3 * S, slots: 2, reason: 'paused', otherReasons: ['overrun'] },
      gap(4, 1, 'db_unavailable'),
    ]);
  });

  it('keeps reasons folded earlier, and names the first gap’s reason only once', () => {
    const folded: GapRecord = { ...gap(0, 3, 'paused'), otherReasons: ['overrun'] };
    const pending = deepFreeze<GapRecord[]>([folded, { ...gap(5, 2, 'db_unavailable'), otherReasons: ['paused'] }]);
    expect(withGap(pending, gap(9, 1, 'worker_unavailable'), 2)).toEqual([
      { from: T, to: T + 7 * S, slots: 5, reason: 'paused', otherReasons: ['overrun', 'db_unavailable'] },
      gap(9, 1, 'worker_unavailable'),
    ]);
  });

  it('holds at most MAX_PENDING_GAPS through a long outage without losing a slot', () => {
    let pending: GapRecord[] = [];
    const reasons: GapRecord['reason'][] = ['db_unavailable', 'overrun'];
    // 50 one-slot gaps, every other slot, alternating reasons: none merges.
    for (let i = 0; i < 50; i++) pending = withGap(pending, gap(2 * i, 1, reasons[i % 2]));
    expect(pending).toHaveLength(MAX_PENDING_GAPS);
    expect(pending.reduce((sum, g) => sum + g.slots, 0)).toBe(50);
    expect(pending[0]).toMatchObject({ from: T, reason: 'db_unavailable', otherReasons: ['overrun'] });
    expect(pending[MAX_PENDING_GAPS - 1]).toEqual(gap(98, 1, 'overrun'));
  });
});
