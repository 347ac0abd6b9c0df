import type { BenchStack } from './benchStack';

export interface ReconnectFigures {
  /** Nightly reset: gateway listening again → adapter ready (reconnect() + waitUntilReady, as waitOutReset does). */
  readyMs: number[];
  /** Nightly reset: gateway listening again → every option has fresh Greeks (re-subscription under pacing). */
  dataBackMs: number[];
  /**
   * Unplanned drop (TCP RST, gateway stays up) → adapter ready again through its own backoff. Each drop comes after
   * the session proved itself with a heartbeat answer: drops closer together escalate the backoff (1, 2, 4 ... s).
   */
  dropReadyMs: number[];
  /** Requests the simulator refused with error 100 over all the resets and drops. */
  pacingViolations: number;
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The adapter forgets earlier failures once a heartbeat is answered; its default heartbeat interval is 10 s. */
const STABLE_SESSION_MS = 11_000;

/**
 * Repeated gateway restarts against the idle adapter (no workflow running): `resets` nightly resets that
 * refuse connections for `refuseForMs`, the first `dataBackResets` of them also waiting for every option's
 * Greeks to stream again, then `drops` unplanned connection drops.
 */
export async function measureReconnects(
  stack: BenchStack,
  options: { resets: number; dataBackResets: number; drops: number; refuseForMs: number },
): Promise<ReconnectFigures> {
  const figures: ReconnectFigures = { readyMs: [], dataBackMs: [], dropReadyMs: [], pacingViolations: 0 };
  const { broker } = stack;
  const violationsBefore = (await stack.simulator.status()).counters.pacingViolations ?? 0;
  for (let i = 0; i < options.resets; i++) {
    const { at: backAt } = await stack.simulator.control('nightlyReset', { refuseForMs: options.refuseForMs });
    await broker.reconnect('gateway back after its restart');
    await broker.waitUntilReady(60_000);
    figures.readyMs.push(Date.now() - backAt);
    if (i < options.dataBackResets) {
      await stack.waitForFreshGreeks(backAt, 300_000);
      figures.dataBackMs.push(Date.now() - backAt);
    }
  }
  for (let i = 0; i < options.drops; i++) {
    await until(() => broker.state() === 'ready', 60_000, 'the adapter to be ready before a drop');
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, STABLE_SESSION_MS));
    const { at: droppedAt } = await stack.simulator.control('dropConnections', { mode: 'rst' });
    await until(() => broker.state() !== 'ready', 10_000, 'the adapter to notice the drop');
    await broker.waitUntilReady(60_000);
    figures.dropReadyMs.push(Date.now() - droppedAt);
  }
  figures.pacingViolations = ((await stack.simulator.status()).counters.pacingViolations ?? 0) - violationsBefore;
  return figures;
}
