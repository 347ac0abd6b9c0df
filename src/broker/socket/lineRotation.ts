/**
 * Options taking turns on the market-data lines left after the price lines, when the account holds more options than
 * lines. A turn refreshes the option's implied volatility and IB's Greeks; between turns the bridge's local model
 * prices it from that volatility and the underlying's live price.
 */
export interface RotationSettings {
  /** A line changes hands only after its option's model Greeks arrived and it held them this long. */
  minDwellMs: number;
  /** A line changes hands after this long even without model Greeks (IB does not compute every option). */
  maxDwellMs: number;
  /**
   * Line changes per second once every line is busy. Each is two messages (cancel, request), so 15 a second takes 30
   * of the pacer's 45 and leaves room for everything else the session sends.
   */
  changesPerSecond: number;
  /**
   * After the gateway granted fewer lines than the budget (101), the full budget is tried again this long after, then
   * twice as long after each new refusal, up to 15 minutes: a refusal can be transient (a gateway still counting the
   * lines of a connection that just went away) and must not cost lines for the rest of the session.
   */
  budgetRetryMs: number;
}

export const ROTATION_DEFAULTS: Readonly<RotationSettings> = Object.freeze({
  minDwellMs: 1_000,
  maxDwellMs: 10_000,
  changesPerSecond: 15,
  budgetRetryMs: 30_000,
});

/** The longest wait before the configured budget is tried again. */
export const MAX_BUDGET_RETRY_MS = 15 * 60_000;

/** One option of the rotation as the planner sees it; times are monotonic milliseconds. */
export interface RotationMember {
  key: number;
  /** When its current turn began; null while it waits for one. */
  onLineSince: number | null;
  /** Its model Greeks arrived during the current turn. */
  refreshed: boolean;
  /** When its last turn began; 0 if it never had one. */
  lastTurnAt: number;
  /** |quantity × multiplier|: among options that waited equally long, the larger exposure goes first. */
  priority: number;
}

export interface RotationPlan {
  /** Options whose line is cancelled now. */
  release: number[];
  /** Options that get a line now, in order. */
  start: number[];
}

function waitingOrder(a: RotationMember, b: RotationMember): number {
  return a.lastTurnAt - b.lastTurnAt || b.priority - a.priority || a.key - b.key;
}

/**
 * The next step of the rotation. Free lines are filled at once (the request pacer spaces the messages); a busy line
 * changes hands when its turn is done (model Greeks held minDwellMs, or maxDwellMs without them), at most
 * `changes` times, longest turns first. Waiting options go round robin: the one whose last turn began longest ago
 * (never, first). Pure.
 */
export function planRotation(
  members: readonly RotationMember[],
  lines: number,
  now: number,
  changes: number,
  settings: RotationSettings,
): RotationPlan {
  const onLine = members.filter((m) => m.onLineSince !== null);
  const waiting = members.filter((m) => m.onLineSince === null).sort(waitingOrder);
  const release: number[] = [];
  const start: number[] = [];
  // More options on lines than lines (the budget shrank): the longest turns end first.
  const byTurnAge = onLine.sort((a, b) => (a.onLineSince as number) - (b.onLineSince as number) || a.key - b.key);
  let excess = onLine.length - lines;
  for (let i = 0; i < byTurnAge.length && excess > 0; i++, excess--) release.push(byTurnAge[i].key);
  let free = Math.max(0, lines - onLine.length);
  const done = byTurnAge.slice(release.length).filter((m) => {
    const held = now - (m.onLineSince as number);
    return (m.refreshed && held >= settings.minDwellMs) || held >= settings.maxDwellMs;
  });
  let next = 0;
  let swaps = 0;
  while (next < waiting.length) {
    if (free > 0) {
      free--;
    } else if (swaps < changes && swaps < done.length) {
      release.push(done[swaps].key);
      swaps++;
    } else {
      break;
    }
    start.push(waiting[next++].key);
  }
  return { release, start };
}
