/** Fewest milliseconds between two instants of a spread round: finer slots cost timer wake-ups and buy nothing. */
const MIN_SLOT_MS = 10;
/** Most instants one tick interval is cut into. */
const MAX_SLOTS = 25;

/**
 * How many instants a tick interval is cut into for the spread stream: the most (up to 25) that divide the interval
 * into whole slots of at least 10 ms, so the slots add up to exactly one interval (250 ms → 25 slots of 10 ms).
 * An interval no such count divides (a prime number of ms) is one slot: every line at the same instant, each still in
 * writes of its own.
 */
export function spreadSlots(intervalMs: number): number {
  for (let slots = Math.min(MAX_SLOTS, Math.floor(intervalMs / MIN_SLOT_MS)); slots > 1; slots--) {
    if (intervalMs % slots === 0) return slots;
  }
  return 1;
}

/**
 * The slot of the interval in which a line's updates go out: a fixed function of its request id, so a line keeps its
 * phase while others come and go. Fibonacci hashing (the id times 2^32 / golden ratio, top bits) puts consecutive ids
 * far apart and fills the slots evenly.
 */
export function phaseSlot(reqId: number, slots: number): number {
  const hash = Math.imul(reqId, 0x9e3779b1) >>> 0;
  return Math.floor((hash / 2 ** 32) * slots);
}
