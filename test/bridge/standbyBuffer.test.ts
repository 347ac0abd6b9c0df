import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocketBroker } from '../../src/broker/socket';
import { createFallbackBuffer } from '../../src/buffer';
import { createDb, type Db } from '../../src/db';
import { BridgeMetrics } from '../../src/observability/metrics';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { bufferIdentity } from '../../src/worker/bufferIdentity';
import type { BridgeWorkers } from '../../src/worker/createWorkers';
import { createInProcessWorkers } from '../../harness/bridgeWorkers';
import { bufferReportSignal, statusQuery } from '../../src/workflows/messages';
import { makeSnapshot } from '../db/support/fixtures';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../harness/tcpProxy';
import { NativeConnection } from '@temporalio/worker';
import { bundleWorkflows, temporalAddress } from '../support/temporal';
import { eventually, useBridgeStack } from './stack';

describe('rows buffered by a worker without the session', () => {
  const ctx = useBridgeStack();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-standby-'));
  let proxy: TcpProxy;
  let db: Db;
  let standby: BridgeWorkers;
  let connection: NativeConnection;
  let running: Promise<void>;
  const metrics = new BridgeMetrics();

  afterAll(async () => {
    await standby?.shutdown().catch(() => undefined);
    await running?.catch(() => undefined);
    await db?.close();
    await proxy?.close();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are counted by the workflow while Postgres is away and replayed by that worker once it answers', async () => {
    const handle = await ctx.stack.startWorkflow();
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.state === 'ready',
      20_000,
      'ready',
    );

    // A worker that held the session earlier and kept three snapshots on its disk, restarted while its database
    // connection is cut: the session stays with the stack's worker.
    const rows = [0, 1, 2].map((n) => makeSnapshot(n, { account: 'DUSTANDBY', workflowId: handle.workflowId }));
    await createFallbackBuffer({ dir }).append(rows.map((row) => ({ kind: 'snapshot' as const, row })));
    const bufferId = await bufferIdentity(dir);
    const target = new URL(ctx.stack.database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    proxy.block();
    db = createDb({ url: viaProxy(ctx.stack.database.url, proxy), statementTimeoutMs: 500, connectionTimeoutMs: 500 });
    // Its own connection, as another process would have (one worker per queue and connection).
    connection = await NativeConnection.connect({ address: temporalAddress() });
    standby = await createInProcessWorkers(
      {
        connection,
        taskQueue: ctx.stack.taskQueue,
        workflowBundle: await bundleWorkflows(),
        databaseUrl: ctx.stack.database.url,
        broker: createSocketBroker({
          host: '127.0.0.1',
          port: ctx.stack.simulator.port,
          clientId: 10,
          account: MAIN_ACCOUNT,
        }),
        db,
        bufferDir: dir,
      },
      {
        observer: metrics,
        bufferReplayIntervalMs: 300,
        reportBufferedRows: (report) =>
          ctx.env.client.workflow.getHandle(handle.workflowId).signal(bufferReportSignal, report),
      },
    );
    running = standby.run();

    const counted = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedByWorker?.[bufferId] === 3,
      20_000,
      'the standby worker’s rows in the status',
    );
    expect(counted.bufferedRows).toBeGreaterThanOrEqual(3);
    expect(counted.state).toBe('degraded');
    expect(standby.session.holds()).toBe(false);
    expect(await metrics.registry.metrics()).toMatch(/^bridge_fallback_buffered_rows 3$/m);
    await eventually(
      async () => (await handle.describe()).searchAttributes.BridgeBufferedRows,
      (value) => Array.isArray(value) && Number(value[0]) >= 3,
      20_000,
      'BridgeBufferedRows search attribute',
    );

    proxy.unblock();
    const replayed = await eventually(
      () => handle.query(statusQuery),
      (s) => s.bufferedByWorker?.[bufferId] === undefined && s.bufferedRows === 0 && s.state === 'ready',
      20_000,
      'the standby worker replays and reports 0',
    );
    expect(replayed.bufferedByWorker).toEqual({});
    const stored = await ctx.stack.sql.query("select cycle_key from portfolio_greeks where account = 'DUSTANDBY'");
    expect(stored.rows.map((r) => r.cycle_key).sort()).toEqual(rows.map((r) => r.cycleKey).sort());
    expect(await metrics.registry.metrics()).toMatch(/^bridge_fallback_buffered_rows 0$/m);
    expect(standby.session.holds()).toBe(false);
    await handle.terminate('test done');
  });
});
