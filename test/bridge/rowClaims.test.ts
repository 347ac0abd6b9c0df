import { parseAlertRules } from '../../src/alerts/rules';
import { MAIN_ACCOUNT, SMALL_ACCOUNT } from '../../src/sim/model';
import { replies } from '../../src/sim/tws/protocol/replies';
import { statusQuery } from '../../src/workflows/messages';
import { eventually, fastSettings, sleep, useBridgeStack } from './stack';

/** The gateway takes this long after the position dump to send positionEnd. */
const POSITION_END_DELAY_MS = 2_000;

describe('a row is written only when every number in it is right, over the real stack', () => {
  const ctx = useBridgeStack('SOCKET', { positionEndDelayMs: POSITION_END_DELAY_MS });

  async function storedRows(): Promise<Array<{ snapshot_at: Date; position_count: number; excluded: unknown[] }>> {
    const result = await ctx.stack.sql.query(
      'select snapshot_at, position_count, excluded from portfolio_greeks order by snapshot_at',
    );
    return result.rows;
  }

  async function gapsWithReason(reason: string): Promise<number> {
    const events = await ctx.stack.apiEvents();
    return events.filter((e) => e.event === 'cycles_skipped' && e.details?.reason === reason).length;
  }

  it('records the slots before positionEnd as a positions_loading gap, at start and after a reconnect', async () => {
    const handle = await ctx.stack.startWorkflow();
    await eventually(storedRows, (rows) => rows.length >= 3, 30_000, 'first rows');
    expect(await gapsWithReason('positions_loading')).toBeGreaterThanOrEqual(1);

    const before = await gapsWithReason('positions_loading');
    ctx.stack.simulator.control.dropConnections({ mode: 'rst' });
    await eventually(
      () => gapsWithReason('positions_loading'),
      (count) => count > before,
      30_000,
      'a positions_loading gap after the reconnect',
    );
    // No row of zeros (nor of the previous session's list) was stored while the list was loading.
    const rows = await storedRows();
    expect(rows.every((row) => row.position_count > 0)).toBe(true);
    await handle.terminate('test done');
  });

  it('excludes a position with an absurd tick, reports it once, and keeps storing every row', async () => {
    const model = ctx.stack.simulator.model;
    const option = model
      .positions(MAIN_ACCOUNT)
      .find((row) => row.quantity !== 0 && model.contract(row.conId)?.secType === 'OPT')!;
    const handle = await ctx.stack.startWorkflow();
    await eventually(storedRows, (rows) => rows.length >= 1, 30_000, 'rows');
    const reqId = ctx.stack.simulator.lastSentGreeks(option.conId)!.reqId;
    ctx.stack.simulator.control.setGreeksBehaviour({ conId: option.conId, behaviour: { mode: 'never' } });
    const since = new Date();
    // [implied vol, delta, option price, pv dividend, gamma, vega, theta, underlying price 1e160]
    const absurd = replies.tickOptionComputation(reqId, 13, 0, [0.3, 0.5, 5, 0, 0.01, 0.2, -0.05, 1e160]);
    const ticker = setInterval(() => ctx.stack.simulator.control.sendRaw(absurd), 200);
    try {
      const implausibleRows = async () =>
        (await storedRows()).filter(
          (row) =>
            row.snapshot_at >= since &&
            row.excluded.some((e) => (e as { conId: number; reason: string }).conId === option.conId),
        );
      const rows = await eventually(implausibleRows, (r) => r.length >= 4, 30_000, 'rows excluding the option');
      expect(rows[0].excluded).toContainEqual(
        expect.objectContaining({
          conId: option.conId,
          reason: 'implausible',
          detail: 'underlying price 1e+160 is not below 10000000',
        }),
      );
    } finally {
      clearInterval(ticker);
      ctx.stack.simulator.control.setGreeksBehaviour({ conId: option.conId, behaviour: { mode: 'computed' } });
    }
    const events = await ctx.stack.apiEvents();
    const reports = events.filter((e) => e.event === 'bad_input' && e.details?.conId === option.conId);
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toContain('implausible: underlying price 1e+160');
    // Nothing went to the fallback buffer: every row was storable.
    expect(events.some((e) => e.event === 'fallback_engaged')).toBe(false);
    await handle.terminate('test done');
  });

  it('writes no row for an account the login does not manage and tells the operator what to fix', async () => {
    const rules = parseAlertRules('[{"id": "login", "kind": "human_needed", "graceMinutes": 0.02}]');
    const handle = await ctx.stack.startWorkflow(fastSettings({ alerts: { rules } }));
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.lastCycle?.outcome === 'written',
      30_000,
      'a written cycle',
    );
    ctx.stack.simulator.control.setPositionsBehaviour({ managedAccounts: [SMALL_ACCOUNT] });
    ctx.stack.simulator.control.dropConnections({ mode: 'rst' });
    try {
      const status = await eventually(
        () => handle.query(statusQuery),
        (s) => s.lastCycle?.unavailableReason === 'account_not_managed' && s.alertsFiring.length === 1,
        30_000,
        'account_not_managed with the human_needed alert',
      );
      expect(status.state).toBe('disconnected');
      expect(status.lastCycle?.unavailableMessage).toContain(`set IB_ACCOUNT to one of them`);
      expect(status.alertsFiring[0].message).toContain(`account ${MAIN_ACCOUNT} is not among the accounts`);

      const rowsThen = (await storedRows()).length;
      await sleep(1_500);
      expect((await storedRows()).length).toBe(rowsThen);
      const events = await ctx.stack.apiEvents();
      expect(events.filter((e) => e.event === 'account_not_managed')).toHaveLength(1);
      expect(await gapsWithReason('account_not_managed')).toBeGreaterThanOrEqual(1);
      // The alert's api_logs row is written by its delivery activity, which the workflow does not wait for.
      await eventually(
        () => ctx.stack.apiEvents(),
        (all) => all.some((e) => e.event === 'alert_fired' && e.message.includes('not among the accounts')),
        10_000,
        'the alert_fired row',
      );
    } finally {
      ctx.stack.simulator.control.setPositionsBehaviour({ managedAccounts: null });
      ctx.stack.simulator.control.dropConnections({ mode: 'rst' });
    }
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.lastCycle?.outcome === 'written',
      30_000,
      'rows again once the account is managed',
    );
    await handle.terminate('test done');
  });
});
