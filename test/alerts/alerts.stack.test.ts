import type { WorkflowHandle } from '@temporalio/client';
import { aggregateGreeks } from '../../src/greeks/aggregate';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { statusQuery } from '../../src/workflows/messages';
import type { AlertSettings, BridgeSettings } from '../../src/workflows/types';
import { parseAlertRules } from '../../src/alerts/rules';
import { eventually, fastSettings, sleep } from '../bridge/stack';
import { useAlertStack, type AlertEvent } from './alertStack';

const AAPL_STOCK = 265598;
/** The options the main account holds on AAPL and MSFT (the last of each ladder lives in the small account). */
const AAPL_AND_MSFT_OPTIONS = [...Array(7).keys()].flatMap((i) => [700001 + i, 700009 + i]);
const SECOND = 1 / 60; // rule durations are in minutes

/** Alert settings at test speed: rules from the documented JSON format, fast delivery retries. */
const alertSettings = (rules: unknown[], overrides: Partial<BridgeSettings> = {}): BridgeSettings =>
  fastSettings({
    alerts: { rules: parseAlertRules(JSON.stringify(rules)), deliveryRetryMs: 200 } satisfies AlertSettings,
    ...overrides,
  });

const summarise = (events: AlertEvent[]) => events.map((e) => `${e.event} ${e.details.rule}`);

describe('alerts over the real stack', () => {
  // A receiver that is "down" for the first two attempts of every message.
  const alerts = useAlertStack({ failFirst: 2 });

  const aggregate = () =>
    aggregateGreeks(alerts.stack.broker.snapshot(MAIN_ACCOUNT), { now: Date.now(), maxAgeMs: 15_000 });
  const rowsOf = async (handle: WorkflowHandle) =>
    (await alerts.stack.rows()).filter((row) => row.cycle_key.startsWith(`${handle.workflowId}:`));
  const waitForRows = (handle: WorkflowHandle, count: number) =>
    eventually(
      () => rowsOf(handle),
      (rows) => rows.length >= count,
      30_000,
      `${count} rows`,
    );
  const waitForEvents = (handle: WorkflowHandle, expected: string[], timeoutMs = 30_000) =>
    eventually(
      () => alerts.stack.alertEvents(handle),
      (events) => expected.every((name) => summarise(events).includes(name)),
      timeoutMs,
      expected.join(', '),
    );

  it('a delta threshold crossed by a scripted move fires once and resolves once, on every channel', async () => {
    const coverage = await eventually(
      async () => aggregate(),
      (a) => a.coverage > 0.5,
      20_000,
      'Greeks in the adapter',
    );
    const aaplDelta = coverage.byUnderlying.find((u) => u.underlying === 'AAPL')?.delta ?? 0;
    // Far above anything the random walk can reach in a minute; a move of 100,000 AAPL shares crosses both.
    const handle = await alerts.stack.startWorkflow(
      alertSettings([
        { id: 'aapl-delta', kind: 'greek', metric: 'delta', underlying: 'AAPL', above: aaplDelta + 50_000 },
        { id: 'account-delta', kind: 'greek', metric: 'delta', above: coverage.totals.delta + 50_000, clearCycles: 2 },
      ]),
    );
    await waitForRows(handle, 3);
    expect(await alerts.stack.alertEvents(handle)).toEqual([]);
    expect(await alerts.stack.gauge('aapl-delta')).toBe(0);

    alerts.stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: AAPL_STOCK, quantity: 100_100 });
    await waitForEvents(handle, ['alert_fired aapl-delta', 'alert_fired account-delta']);

    const status = await handle.query(statusQuery);
    expect(status.alertsFiring.map((a) => a.rule).sort()).toEqual(['aapl-delta', 'account-delta']);
    expect(status.alertsFiring.find((a) => a.rule === 'aapl-delta')?.message).toMatch(/^AAPL net delta [\d,.]+ above /);
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('**Alerts firing: 2**');
    expect(metadata.currentDetails).toMatch(/- 🟠 \*\*aapl-delta\*\* since .*: AAPL net delta/);
    await eventually(
      () => alerts.stack.gauge('aapl-delta'),
      (value) => value === 1,
      10_000,
      'gauge at 1',
    );

    alerts.stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: AAPL_STOCK, quantity: 100 });
    await waitForEvents(handle, ['alert_resolved aapl-delta', 'alert_resolved account-delta']);
    await eventually(
      () => alerts.stack.gauge('aapl-delta'),
      (value) => value === 0,
      10_000,
      'gauge back at 0',
    );
    expect((await handle.query(statusQuery)).alertsFiring).toEqual([]);
    const metadataAfter = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadataAfter.currentDetails).not.toContain('Alerts firing');

    // The webhook takes each of the four transitions exactly once, although it refused the first two attempts.
    const mine = () => alerts.receiver.requests.filter((r) => r.body.workflowId === handle.workflowId);
    await eventually(
      async () => mine().filter((r) => r.status === 200).length,
      (n) => n >= 4,
      30_000,
      'four accepted webhook messages',
    );
    await sleep(1500); // time for a duplicate to show up, if there were one
    await handle.terminate('test done');
    const accepted = mine().filter((r) => r.status === 200);
    expect(accepted.map((r) => `${r.body.status} ${r.body.rule}`).sort()).toEqual([
      'firing aapl-delta',
      'firing account-delta',
      'resolved aapl-delta',
      'resolved account-delta',
    ]);
    for (const message of accepted) {
      const attempts = mine().filter((r) => r.key === message.key);
      expect(attempts.map((r) => [r.status, r.attempt])).toEqual([
        [500, '1'],
        [500, '2'],
        [200, '3'],
      ]);
      // Every attempt carries the same message, keyed by the transition.
      expect(new Set(attempts.map((r) => r.raw)).size).toBe(1);
      expect(message.key).toBe(message.body.id);
      expect(message.contentType).toBe('application/json');
      expect(message.body).toMatchObject({ source: 'ibkr-greeks-bridge', account: MAIN_ACCOUNT });
      // Nothing about the infrastructure: no database URL, no password.
      expect(message.raw).not.toMatch(/postgres|password|DATABASE_URL/i);
    }

    // api_logs: one row per transition, in order.
    const events = await alerts.stack.alertEvents(handle);
    expect(events.map((e) => e.event).sort()).toEqual([
      'alert_fired',
      'alert_fired',
      'alert_resolved',
      'alert_resolved',
    ]);
    for (const rule of ['aapl-delta', 'account-delta']) {
      expect(events.filter((e) => e.details.rule === rule).map((e) => e.event)).toEqual([
        'alert_fired',
        'alert_resolved',
      ]);
    }
    await alerts.stack.replayAndRecord(handle, 'alerts');
  });

  it("carries each rule's state across continue-as-new: one firing, one resolution, however many runs between", async () => {
    const before = await eventually(
      async () => aggregate(),
      (a) => a.coverage > 0.5,
      20_000,
      'Greeks in the adapter',
    );
    const aaplDelta = before.byUnderlying.find((u) => u.underlying === 'AAPL')?.delta ?? 0;
    const handle = await alerts.stack.startWorkflow(
      alertSettings(
        [{ id: 'aapl-delta', kind: 'greek', metric: 'delta', underlying: 'AAPL', above: aaplDelta + 50_000 }],
        {
          maxCyclesPerRun: 4,
        },
      ),
    );
    await waitForRows(handle, 2);
    alerts.stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: AAPL_STOCK, quantity: 100_100 });
    await waitForEvents(handle, ['alert_fired aapl-delta']);
    const firedIn = (await handle.query(statusQuery)).runs;
    const later = await eventually(
      () => handle.query(statusQuery),
      (s) => s.runs >= firedIn + 2,
      30_000,
      'two more runs',
    );
    expect(later.alertsFiring.map((a) => a.rule)).toEqual(['aapl-delta']);

    alerts.stack.simulator.control.setPosition({ account: MAIN_ACCOUNT, conId: AAPL_STOCK, quantity: 100 });
    await waitForEvents(handle, ['alert_resolved aapl-delta']);
    const resolvedIn = (await handle.query(statusQuery)).runs;
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.runs >= resolvedIn + 1,
      30_000,
      'one more run',
    );
    const mine = () => alerts.receiver.requests.filter((r) => r.body.workflowId === handle.workflowId);
    await eventually(
      async () => mine().filter((r) => r.status === 200).length,
      (n) => n >= 2,
      30_000,
      'two accepted webhook messages',
    );
    await alerts.stack.replayAndRecord(handle, 'alerts-continue-as-new');
    await handle.terminate('test done');
    expect(summarise(await alerts.stack.alertEvents(handle))).toEqual([
      'alert_fired aapl-delta',
      'alert_resolved aapl-delta',
    ]);
    expect(
      mine()
        .filter((r) => r.status === 200)
        .map((r) => r.body.status),
    ).toEqual(['firing', 'resolved']);
  });

  it('fires when Greeks coverage falls below the floor, and resolves when the Greeks come back', async () => {
    const before = await eventually(
      async () => aggregate(),
      (a) => a.coverage > 0.5,
      20_000,
      'Greeks in the adapter',
    );
    const floor = Math.round((before.coverage - 0.15) * 100) / 100;
    const handle = await alerts.stack.startWorkflow(
      alertSettings([{ kind: 'coverage', below: floor, clearCycles: 2 }]),
    );
    await waitForRows(handle, 3);
    expect(await alerts.stack.alertEvents(handle)).toEqual([]);

    for (const conId of AAPL_AND_MSFT_OPTIONS) {
      alerts.stack.simulator.control.setGreeksBehaviour({ conId, behaviour: { mode: 'notComputed' } });
    }
    const [fired] = await waitForEvents(handle, ['alert_fired coverage']);
    expect(fired.details.value as number).toBeLessThan(floor);
    expect(fired.message).toMatch(/^coverage: Greeks coverage [\d.]+ % below [\d.]+ %$/);

    for (const conId of AAPL_AND_MSFT_OPTIONS) {
      alerts.stack.simulator.control.setGreeksBehaviour({ conId, behaviour: { mode: 'computed' } });
    }
    await waitForEvents(handle, ['alert_resolved coverage']);
    await handle.terminate('test done');
    expect(summarise(await alerts.stack.alertEvents(handle))).toEqual([
      'alert_fired coverage',
      'alert_resolved coverage',
    ]);
  });

  it('a gateway refusing connections past the grace fires "human needed", and resolves once it answers', async () => {
    const handle = await alerts.stack.startWorkflow(
      alertSettings([{ id: 'gateway', kind: 'human_needed', graceMinutes: 2 * SECOND }]),
    );
    await waitForRows(handle, 2);
    const downAt = Date.now();
    void alerts.stack.simulator.control.nightlyReset({ refuseForMs: 7000 });

    const [fired] = await waitForEvents(handle, ['alert_fired gateway']);
    expect(fired.at.getTime()).toBeGreaterThanOrEqual(downAt + 2000 - 500); // the slot instant, up to one interval early
    expect(fired.details.severity).toBe('critical');
    expect(fired.message).toMatch(/^gateway: human needed: the gateway has refused connections or is not logged in/);
    await waitForEvents(handle, ['alert_resolved gateway']);
    await handle.terminate('test done');
    expect(summarise(await alerts.stack.alertEvents(handle))).toEqual([
      'alert_fired gateway',
      'alert_resolved gateway',
    ]);
  });

  /** A reset window opening in ~3 s; the gateway refuses connections from its start until its end + `refuseBeyondWindowMs`. */
  async function throughResetWindow(rules: unknown[], durationMs: number, refuseBeyondWindowMs: number) {
    const windowStart = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const windowEnd = windowStart + durationMs;
    const time = new Date(windowStart).toISOString().slice(11, 19);
    const handle = await alerts.stack.startWorkflow(
      alertSettings(rules, { reset: { time, timeZone: 'UTC', durationMs } }),
    );
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'resetting',
      15_000,
      'resetting',
    );
    void alerts.stack.simulator.control.nightlyReset({
      refuseForMs: Math.max(500, windowEnd - Date.now() + refuseBeyondWindowMs),
    });
    return { handle, windowStart, windowEnd };
  }

  it('does not fire during an ordinary reset window, even with grace and no-cycle limits shorter than the window', async () => {
    const { handle, windowEnd } = await throughResetWindow(
      [
        // Both limits are shorter than the window, and leave the gateway seconds to reconnect after it.
        { id: 'gateway', kind: 'human_needed', graceMinutes: 5 * SECOND },
        { id: 'stale', kind: 'no_cycle', minutes: 6 * SECOND },
      ],
      7000,
      -500,
    );
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'ready' && (s.lastCycle?.slotAt ?? 0) > windowEnd,
      30_000,
      'ready after the window',
    );
    await sleep(Math.max(0, windowEnd + 7000 - Date.now())); // past both limits, counted from the window's end
    await handle.terminate('test done');
    expect(await alerts.stack.alertEvents(handle)).toEqual([]);
  });

  it('fires "human needed" when the gateway is still away the grace after the reset window ends', async () => {
    const { handle, windowEnd } = await throughResetWindow(
      [{ id: 'gateway', kind: 'human_needed', graceMinutes: 2 * SECOND }],
      4000,
      6000,
    );
    const [fired] = await waitForEvents(handle, ['alert_fired gateway']);
    // Fired by the workflow's clock while it waited for the gateway, not by a cycle: exactly at window end + grace.
    expect(fired.at.getTime()).toBeGreaterThanOrEqual(windowEnd + 2000);
    expect(fired.at.getTime()).toBeLessThan(windowEnd + 6000);
    await waitForEvents(handle, ['alert_resolved gateway']);
    const status = await handle.query(statusQuery);
    expect(status.alertsFiring).toEqual([]);
    await alerts.stack.replayAndRecord(handle, 'alerts-reset-window');
    await handle.terminate('test done');
    expect(summarise(await alerts.stack.alertEvents(handle))).toEqual([
      'alert_fired gateway',
      'alert_resolved gateway',
    ]);
  });
});
