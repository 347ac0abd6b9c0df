import { parseAlertRules } from '../../src/alerts/rules';
import { statusQuery } from '../../src/workflows/messages';
import { eventually, fastSettings, useBridgeStack } from './stack';

/**
 * The Client Portal withholds market data (6509 "O") until the account holder signs the annual market data API
 * acknowledgement on the Client Portal web site. Only a human can do that, so the bridge must say so through the
 * human_needed alert, end to end: fake gateway, PORTAL adapter, workflow, alert delivery's api_logs row.
 */
describe('PORTAL: market data withheld until a human signs the acknowledgement', () => {
  const ctx = useBridgeStack('PORTAL');

  it('fires "human needed" with what to do, counts no Greeks meanwhile, and resolves once data flows again', async () => {
    const rules = parseAlertRules('[{"id": "signature", "kind": "human_needed", "graceMinutes": 0.02}]');
    const handle = await ctx.stack.startWorkflow(fastSettings({ alerts: { rules } }));
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.lastCycle?.outcome === 'written',
      60_000,
      'a written cycle',
    );
    const portal = ctx.stack.portal!;
    portal.control.setAvailability('O');
    try {
      const status = await eventually(
        () => handle.query(statusQuery),
        (s) => s.alertsFiring.length === 1,
        60_000,
        'the human_needed alert',
      );
      expect(status.alertsFiring[0]).toMatchObject({ rule: 'signature', severity: 'critical' });
      expect(status.alertsFiring[0].message).toMatch(/acknowledgement/);
      expect(status.alertsFiring[0].message).toMatch(/Client Portal/);
      expect(status.state).not.toBe('ready');
      await eventually(
        () => ctx.stack.apiEvents(),
        (all) => all.some((e) => e.event === 'alert_fired' && /acknowledgement/.test(e.message)),
        10_000,
        'the alert_fired row',
      );
      // No slot after the alert fired counts Greeks the gateway withheld.
      const firedAt = new Date(status.alertsFiring[0].since);
      const covered = await ctx.stack.sql.query(
        'select count(*)::int as n from portfolio_greeks where workflow_id = $1 and snapshot_at > $2 and covered_option_count > 0',
        [handle.workflowId, firedAt],
      );
      expect(covered.rows[0].n).toBe(0);
    } finally {
      portal.control.setAvailability('R');
    }
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.alertsFiring.length === 0 && s.lastCycle?.outcome === 'written',
      60_000,
      'resolved and written again',
    );
    await eventually(
      () => ctx.stack.apiEvents(),
      (all) => all.some((e) => e.event === 'alert_resolved'),
      10_000,
      'the alert_resolved row',
    );
    await handle.terminate('test done');
  });
});
