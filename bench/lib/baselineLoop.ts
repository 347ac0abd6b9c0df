import { createActivities } from '../../src/activities';
import type { ActivityDeps } from '../../src/activities/ports';

/** The IB connection lease is this process's own: the in-process loop has no other worker to hand it to. */
const OWN_LEASE: ActivityDeps['lease'] = {
  acquire: async () => ({ queue: 'in-process', workerId: 'baseline' }),
  holds: () => true,
};

/**
 * The baseline: the very same cycle activity function (snapshot + aggregate + write + buffer check), called
 * from a plain setTimeout loop on the same wall-clock grid instead of from a Temporal workflow. Slots that
 * can no longer start in time are skipped, as the workflow does. Runs for `slots` slots of wall time, so a
 * loop that falls behind writes fewer rows instead of running longer.
 */
export async function runBaselineLoop(
  deps: Omit<ActivityDeps, 'lease'>,
  options: { workflowId: string; account: string; intervalMs: number; slots: number },
): Promise<{ skippedSlots: number; failedCycles: string[] }> {
  const activities = createActivities({ ...deps, lease: OWN_LEASE });
  const clock = deps.clock ?? Date.now;
  const gridStart = Math.ceil(Date.now() / options.intervalMs) * options.intervalMs;
  let slot = 0;
  let skippedSlots = 0;
  // A failed write ends the slot, as in the workflow (which would buffer the row); the loop goes on.
  const failedCycles: string[] = [];
  while (slot < options.slots) {
    const slotAt = gridStart + slot * options.intervalMs;
    const waitMs = slotAt - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    await activities
      .runCycle({
        workflowId: options.workflowId,
        account: options.account,
        cycleKey: `${options.workflowId}:${slotAt}`,
        slotAt,
        scheduledAt: clock(),
        gaps: [],
      })
      .catch((error: Error) => failedCycles.push(error.message));
    const nextRunnable = Math.floor((Date.now() - gridStart) / options.intervalMs);
    const next = Math.max(slot + 1, nextRunnable);
    skippedSlots += next - slot - 1;
    slot = next;
  }
  return { skippedSlots, failedCycles };
}
