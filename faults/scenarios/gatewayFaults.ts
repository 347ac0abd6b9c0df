import type { WorkflowHandle } from '@temporalio/client';
import { eventually, sleep } from '../../harness/poll';
import { FaultStack, scenarioSettings } from '../lib/faultStack';
import type { FaultContext } from '../lib/environment';
import type { ScenarioReport } from '../lib/report';
import type { Scenario } from '../lib/scenario';
import { gatewayRecoveryTarget } from '../lib/targets';

/** Short, so a row with full coverage proves Greeks computed after the fault, not cached from before it. */
const GREEKS_MAX_AGE_MS = 3000;

interface GatewayFault {
  kind: string;
  /** api_logs event the adapter must leave for it, if any. */
  trace?: string;
  inject(stack: FaultStack, ctx: FaultContext): Promise<void>;
}

const between = (ctx: FaultContext, min: number, max: number) => Math.round(min + ctx.random() * (max - min));

const FAULTS: GatewayFault[] = [
  {
    kind: 'drop (RST)',
    trace: 'disconnected',
    inject: async (stack) => void stack.simulator.control.dropConnections({ mode: 'rst' }),
  },
  {
    kind: 'drop (FIN)',
    trace: 'disconnected',
    inject: async (stack) => void stack.simulator.control.dropConnections({ mode: 'fin' }),
  },
  {
    kind: 'stall',
    inject: async (stack, ctx) => {
      stack.simulator.control.setStalled({ stalled: true });
      await sleep(between(ctx, 1000, 4000));
      stack.simulator.control.setStalled({ stalled: false });
    },
  },
  {
    kind: '1100 → 1102',
    trace: 'status_1100',
    inject: (stack, ctx) =>
      stack.simulator.control.connectivityLost({ restoreAfterMs: between(ctx, 1000, 4000), outcome: 'maintained' }),
  },
  {
    kind: '1100 → 1101',
    trace: 'status_1100',
    inject: (stack, ctx) =>
      stack.simulator.control.connectivityLost({ restoreAfterMs: between(ctx, 1000, 4000), outcome: 'lost' }),
  },
  {
    kind: '1100 + farms → 1101/1102',
    trace: 'status_1100',
    inject: (stack, ctx) =>
      stack.simulator.control.connectivityLost({
        restoreAfterMs: between(ctx, 1000, 4000),
        outcome: ctx.random() < 0.5 ? 'lost' : 'maintained',
        farmWarnings: true,
      }),
  },
  {
    kind: 'gateway restart',
    trace: 'disconnected',
    inject: (stack, ctx) => stack.simulator.control.nightlyReset({ refuseForMs: between(ctx, 1000, 4000) }),
  },
];

/** Longer than the adapter's 30 s heartbeat timeout: only a reconnect brings the data back. Full runs only. */
const LONG_STALL: GatewayFault = {
  kind: 'stall past the heartbeat timeout',
  trace: 'stalled',
  inject: async (stack) => {
    stack.simulator.control.setStalled({ stalled: true });
    await sleep(35_000);
    stack.simulator.control.setStalled({ stalled: false });
  },
};

/** The workflow's own nightly reset window, with the gateway closing and refusing connections during it. */
async function resetWindow(
  stack: FaultStack,
  handle: WorkflowHandle,
  windowStart: number,
  durationMs: number,
  minCoverage: number,
  report: ScenarioReport,
): Promise<void> {
  const windowEnd = windowStart + durationMs;
  await eventually(
    () => stack.status(handle),
    (s) => s.state === 'resetting',
    60_000,
    'reset window entered',
  );
  void stack.simulator.control.nightlyReset({ refuseForMs: Math.max(500, windowEnd - Date.now() - 500) });
  await sleep(Math.max(0, windowEnd - Date.now()));
  const ms = await stack.waitFreshRow(handle.workflowId, windowEnd + GREEKS_MAX_AGE_MS, minCoverage);
  report.check('ready with fresh Greeks after the reset window', true, `${(ms / 1000).toFixed(1)} s after it`);
}

/** Random gateway faults, one after another, each followed by fresh data. */
export const gatewayFaults: Scenario = {
  id: 'gateway-faults',
  title: 'gateway: 100 (15 quick) random drops, stalls, 1100/1101/1102 and restarts, plus a reset window',
  proves:
    'after every gateway fault the worker is ready again with live subscriptions (a row with full coverage of Greeks computed after the fault), without a restart, and every slot without a row is a gap with its reason',
  async run(ctx, report) {
    const faults = ctx.quick ? 15 : 100;
    const stack = await FaultStack.start(ctx, { name: 'gateway' });
    try {
      const worker = await stack.startWorker({ GREEKS_MAX_AGE_MS: String(GREEKS_MAX_AGE_MS) });
      // The window opens once the first ten rows are in (twenty seconds after them). The workflow enters a window
      // at a slot instant inside it, so the window lasts longer than an interval: 4 s, or one interval and a second.
      const { intervalMs } = scenarioSettings(ctx.quick);
      const windowStart = Math.ceil((Date.now() + 20_000 + 10 * intervalMs) / 1000) * 1000;
      const durationMs = Math.max(4000, intervalMs + 1000);
      const time = new Date(windowStart).toISOString().slice(11, 19);
      const handle = await stack.startWorkflow({ reset: { time, timeZone: 'UTC', durationMs } });
      const id = handle.workflowId;
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= 10,
        90_000,
        'first rows',
      );
      const minCoverage = await stack.steadyCoverage(id);
      report.check('baseline coverage', minCoverage > 0, minCoverage);
      await resetWindow(stack, handle, windowStart, durationMs, minCoverage, report);

      const recoveries: Record<string, number[]> = {};
      const traces: Record<string, number> = {};
      for (let n = 1; n <= faults; n += 1) {
        const fault = !ctx.quick && n % 34 === 0 ? LONG_STALL : FAULTS[Math.floor(ctx.random() * FAULTS.length)];
        const startedAt = Date.now();
        await fault.inject(stack, ctx);
        const endedAt = Date.now();
        stack.markFault(fault.kind, startedAt, endedAt);
        const ms = await stack.waitFreshRow(id, endedAt + GREEKS_MAX_AGE_MS, minCoverage);
        (recoveries[fault.kind] ??= []).push(ms);
        if (fault.trace) traces[fault.trace] = (traces[fault.trace] ?? 0) + 1;
        if (n % 5 === 0) ctx.log(`  ${n}/${faults} gateway faults, each followed by fresh Greeks`);
        await sleep(between(ctx, 0, 1500));
      }
      const summary = Object.entries(recoveries)
        .map(([kind, list]) => `${kind} ×${list.length} max ${(Math.max(...list) / 1000).toFixed(1)} s`)
        .join('; ');
      report.check(`fresh Greeks after each of ${faults} faults`, true, summary);
      report.check('worker process never restarted', worker.alive(), `pid ${worker.pid}`);
      await stack.finish(handle, report);
      for (const [event, expected] of Object.entries(traces)) {
        const seen = report.apiLogCounts[event] ?? 0;
        report.check(
          `api_logs has a ${event} row per fault that causes one`,
          seen >= expected,
          `${seen} for ${expected} fault(s)`,
        );
      }
      const windowLogged =
        (report.apiLogCounts.reset_window_entered ?? 0) > 0 &&
        (report.apiLogCounts.reset_window_left ?? 0) > 0 &&
        (report.apiLogCounts['cycles_skipped(reset_window)'] ?? 0) > 0;
      report.check('reset window entered, left and its gap recorded', windowLogged);
      report.target(gatewayRecoveryTarget(report.figures()));
    } finally {
      await stack.close();
    }
  },
};
