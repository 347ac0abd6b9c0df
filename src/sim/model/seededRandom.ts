/**
 * Stateless randomness: every draw is a pure function of its integer coordinates, so any instant of a walk can be
 * evaluated without replaying the ones before it.
 */

/** 32-bit avalanche mix (murmur3 finaliser). */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (each may exceed 32 bits, up to 2^53) into 32 bits. */
export function hashInts(values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    const low = value % 0x1_0000_0000;
    const high = Math.floor(value / 0x1_0000_0000);
    h = mix32(h ^ mix32(low + 0x7f4a7c15));
    h = mix32(h ^ mix32(high + 0x165667b1));
  }
  return h;
}

/** Uniform in (0, 1), never exactly 0 or 1. */
export function uniformAt(values: readonly number[]): number {
  return (hashInts(values) + 0.5) / 0x1_0000_0000;
}

/** Standard normal (Box–Muller on two independent hashed uniforms). */
export function normalAt(values: readonly number[]): number {
  const u1 = uniformAt([...values, 1]);
  const u2 = uniformAt([...values, 2]);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A classic seeded PRNG (mulberry32) for sequential needs such as jitter and fuzzing. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
