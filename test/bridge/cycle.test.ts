import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { aggregateGreeks } from '../../src/greeks/aggregate';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { statusQuery } from '../../src/workflows/messages';
import { temporalAddress } from '../support/temporal';
import { useBridgeStack, eventually, fastSettings, sleep } from './stack';

/** Runs the temporal CLI without blocking the event loop: the worker answering it lives in this process. */
async function temporalCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.env.TEST_TEMPORAL_BINARY as string,
    [...args, '--address', temporalAddress()],
    { encoding: 'utf8' },
  );
  return stdout;
}

describe('the bridge workflow over the real stack', () => {
  const ctx = useBridgeStack();

  it('writes one row per interval on the grid, with Greeks that match the broker, and answers status', async () => {
    const handle = await ctx.stack.startWorkflow();
    const rows = await eventually(
      () => ctx.stack.rows(),
      (r) => r.length >= 8,
      30_000,
      '8 rows',
    );
    const keys = rows.map((r) => r.cycle_key);
    expect(new Set(keys).size).toBe(keys.length);
    // Slots are exactly one interval apart: cycle keys carry the slot instant.
    const slots = keys.map((k) => Number(k.split(':').pop()));
    const steps = slots.slice(1).map((s, i) => s - slots[i]);
    expect(steps.every((step) => step % 500 === 0)).toBe(true);
    expect(steps.filter((step) => step === 500).length).toBeGreaterThanOrEqual(steps.length - 1);

    // The workflow wakes ahead of each slot (cycleLeadMs) and the activity waits for the slot's instant: no snapshot
    // is early, and as Temporal's timer and task latency is spent before the slot, most are taken right at it.
    const lateness = rows.map((r) => r.snapshot_at.getTime() - Number(r.cycle_key.split(':').pop()));
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    const sortedLateness = [...lateness].sort((a, b) => a - b);
    expect(sortedLateness[Math.floor(sortedLateness.length / 2)]).toBeLessThan(25);

    // The stored net delta is the aggregate of what the adapter holds (the simulator's model values).
    const latest = rows[rows.length - 1];
    const now = aggregateGreeks(ctx.stack.broker.snapshot(MAIN_ACCOUNT), { now: Date.now(), maxAgeMs: 15_000 });
    expect(latest.coverage).toBeGreaterThan(0.5);
    expect(Math.sign(latest.net_delta)).toBe(Math.sign(now.totals.delta));

    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.cyclesTotal >= 8,
      10_000,
      'status',
    );
    expect(status).toMatchObject({ account: MAIN_ACCOUNT, state: 'ready', paused: false, bufferedRows: 0 });
    expect(status.lastCycle?.outcome).toBe('written');
    await handle.terminate('test done');
  });

  it('pauses and resumes from the temporal CLI, and the CLI reads status', async () => {
    const handle = await ctx.stack.startWorkflow();
    const countFor = async () =>
      (await ctx.stack.rows()).filter((r) => r.cycle_key.startsWith(handle.workflowId)).length;
    await eventually(countFor, (n) => n >= 3, 20_000, 'first rows');

    await temporalCli([
      'workflow',
      'signal',
      '--workflow-id',
      handle.workflowId,
      '--name',
      'pause',
      '--input',
      '"test pause"',
    ]);
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'paused',
      10_000,
      'paused state',
    );
    const atPause = await countFor();
    await sleep(2000); // four intervals
    const afterWait = await countFor();
    expect(afterWait - atPause).toBeLessThanOrEqual(1); // at most the cycle already in flight

    const queried = JSON.parse(
      await temporalCli(['workflow', 'query', '--workflow-id', handle.workflowId, '--type', 'status', '-o', 'json']),
    );
    expect(JSON.stringify(queried)).toContain('"paused":true');
    expect(JSON.stringify(queried)).toContain('test pause');

    await temporalCli(['workflow', 'signal', '--workflow-id', handle.workflowId, '--name', 'resume']);
    await eventually(countFor, (n) => n >= afterWait + 3, 20_000, 'rows after resume');
    const status = await handle.query(statusQuery);
    expect(status.state).toBe('ready');
    // The slots of the pause are recorded as a gap with its reason, not as rows.
    await eventually(
      () => ctx.stack.apiEvents(),
      (events) => events.some((e) => e.event === 'cycles_skipped' && String(e.details?.reason) === 'paused'),
      10_000,
      'paused gap in api_logs',
    );
    await handle.terminate('test done');
  });

  it('applies the retention period at the start of each run, deleting only older rows', async () => {
    await ctx.stack.sql.query(
      `insert into portfolio_greeks (cycle_key, workflow_id, account, snapshot_at, mode, net_delta, net_gamma, net_vega,
         net_theta, dollar_delta, dollar_gamma, position_count, option_count, covered_option_count, coverage, units)
       values ('old-row', 'w', $1, now() - interval '40 days', 'SOCKET', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '{}'),
              ('recent-row', 'w', $1, now() - interval '10 days', 'SOCKET', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '{}')`,
      [MAIN_ACCOUNT],
    );
    const handle = await ctx.stack.startWorkflow(fastSettings({ retentionDays: 30 }));
    const keys = await eventually(
      async () => (await ctx.stack.rows()).map((r) => r.cycle_key),
      (k) => !k.includes('old-row') && k.some((key) => key.startsWith(handle.workflowId)),
      20_000,
      'old row gone and new rows in',
    );
    expect(keys).toContain('recent-row');
    await ctx.stack.replayAndRecord(handle, 'retention');
    await handle.terminate('test done');
  });
});
