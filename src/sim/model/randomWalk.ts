import { normalAt } from './seededRandom';
import { MS_PER_YEAR } from './time';

/**
 * A seeded random walk of the log price that is a pure function of (seed, walk id, time bucket).
 *
 * Time is cut into buckets of `bucketMs`; buckets are grouped into segments of 2^SEGMENT_LEVELS buckets. At every
 * segment boundary the log-return from the start price is an independent N(0, anchorStd²) draw, which keeps prices
 * near their configured level over days. Inside a segment the path is a Brownian bridge between its two boundary
 * values, built by Lévy's midpoint construction: each midpoint is the mean of its interval's ends plus
 * sqrt(len/4) · σ_bucket · Z, with Z hashed from (seed, walk, level, position). Evaluating one bucket costs
 * SEGMENT_LEVELS hashes and needs no history, so every instant is exactly reproducible.
 */

export const SEGMENT_LEVELS = 16;
const SEGMENT_BUCKETS = 2 ** SEGMENT_LEVELS;
const ANCHOR_TAG = 0x414e43;
const BRIDGE_TAG = 0x425247;

export interface WalkParams {
  seed: number;
  walkId: number;
  startPrice: number;
  /** Annualised volatility of the walk. */
  volatility: number;
  bucketMs: number;
  /** Standard deviation of the log-price at segment boundaries. */
  anchorStd: number;
}

/** Time bucket index of an epoch-ms instant. */
export function bucketOf(epochMs: number, bucketMs: number): number {
  return Math.floor(epochMs / bucketMs);
}

function anchorLogReturn(params: WalkParams, segment: number): number {
  return params.anchorStd * normalAt([params.seed, params.walkId, ANCHOR_TAG, segment]);
}

/** Log-return from startPrice at the start of `bucket`. */
export function walkLogReturn(params: WalkParams, bucket: number): number {
  const segment = Math.floor(bucket / SEGMENT_BUCKETS);
  const offset = bucket - segment * SEGMENT_BUCKETS;
  let left = 0;
  let right = SEGMENT_BUCKETS;
  let leftValue = anchorLogReturn(params, segment);
  let rightValue = anchorLogReturn(params, segment + 1);
  if (offset === 0) return leftValue;
  const bucketStd = params.volatility * Math.sqrt(params.bucketMs / MS_PER_YEAR);
  for (let level = 0; level < SEGMENT_LEVELS; level += 1) {
    const middle = (left + right) / 2;
    const spread = Math.sqrt((right - left) / 4) * bucketStd;
    const middleValue =
      (leftValue + rightValue) / 2 + spread * normalAt([params.seed, params.walkId, BRIDGE_TAG, segment, middle]);
    if (offset === middle) return middleValue;
    if (offset < middle) {
      right = middle;
      rightValue = middleValue;
    } else {
      left = middle;
      leftValue = middleValue;
    }
  }
  // Unreachable: every integer offset in (0, 2^L) is a dyadic midpoint within L levels.
  return leftValue;
}

export function walkPrice(params: WalkParams, bucket: number): number {
  return params.startPrice * Math.exp(walkLogReturn(params, bucket));
}
