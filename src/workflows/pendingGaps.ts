import type { GapRecord } from './types';

/**
 * Gaps reported to api_logs travel with the next cycle activity's input, which lands in the workflow history: at most
 * this many, so a long outage cannot make every history payload large.
 */
export const MAX_PENDING_GAPS = 20;

/**
 * The pending gaps with `gap` added. A gap that continues the last one with the same reason extends it. Past `max`
 * gaps, the two oldest are folded into one spanning both, keeping every reason: a gap is never dropped, because its
 * slots would then look lost rather than explained. Returns a new list; the input is left as it was.
 */
export function withGap(pending: readonly GapRecord[], gap: GapRecord, max = MAX_PENDING_GAPS): GapRecord[] {
  const last = pending[pending.length - 1];
  if (last && last.reason === gap.reason && last.to === gap.from) {
    return [...pending.slice(0, -1), { ...last, to: gap.to, slots: last.slots + gap.slots }];
  }
  const gaps = [...pending, gap];
  if (gaps.length <= max) return gaps;
  const [first, second, ...rest] = gaps;
  const reasons = new Set([...(first.otherReasons ?? []), second.reason, ...(second.otherReasons ?? [])]);
  reasons.delete(first.reason);
  const folded: GapRecord = {
    from: first.from,
    to: second.to,
    slots: first.slots + second.slots,
    reason: first.reason,
    ...(reasons.size > 0 ? { otherReasons: [...reasons] } : {}),
  };
  return [folded, ...rest];
}
