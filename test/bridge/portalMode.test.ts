import { MAIN_ACCOUNT } from '../../src/sim/model';
import { statusQuery } from '../../src/workflows/messages';
import { useBridgeStack, eventually } from './stack';

describe('the bridge in PORTAL mode, against the fake Client Portal over HTTPS', () => {
  const ctx = useBridgeStack('PORTAL');

  it('runs cycles end to end and writes PORTAL rows with the Greeks covered', async () => {
    const handle = await ctx.stack.startWorkflow();
    await eventually(
      async () =>
        (
          await ctx.stack.sql.query(
            "select count(*)::int as n from portfolio_greeks where mode = 'PORTAL' and coverage > 0",
          )
        ).rows[0].n,
      (n) => n >= 3,
      60_000,
      'PORTAL rows',
    );
    const row = (
      await ctx.stack.sql.query(
        "select account, option_count, covered_option_count, net_delta::float8 as net_delta from portfolio_greeks where mode = 'PORTAL' order by snapshot_at desc limit 1",
      )
    ).rows[0];
    expect(row.account).toBe(MAIN_ACCOUNT);
    expect(row.option_count).toBeGreaterThan(10);
    expect(row.covered_option_count).toBeGreaterThan(0);
    expect(Number.isFinite(row.net_delta)).toBe(true);
    const status = await handle.query(statusQuery);
    expect(status.lastCycle?.outcome).toBe('written');
    const events = (await ctx.stack.apiEvents()).filter((e) => e.event === 'ready');
    expect(events.length).toBeGreaterThanOrEqual(1);
    await handle.terminate('test done');
  });
});
