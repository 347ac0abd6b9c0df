import type { GapRecord } from '../workflows/types';

/**
 * The api_logs key of a gap's `cycles_skipped` row. A retried cycle carries the same gaps and must not write them
 * twice, so equal gaps share a key; but the workflow extends a pending gap when the next slot fails for the same
 * reason, and a version of that gap may already be stored by an attempt whose outcome the workflow never learnt
 * (a worker frozen or cut off after writing). The end of the gap is therefore part of the key: the extended version
 * is stored beside the shorter one instead of being dropped as a duplicate, which would leave its added slots
 * unexplained. Rows of one gap may overlap; count skipped slots by the union of their [from, to).
 */
export function gapLogKey(workflowId: string, gap: Pick<GapRecord, 'from' | 'to' | 'reason'>): string {
  return `${workflowId}:gap:${gap.from}:${gap.to}:${gap.reason}`;
}
