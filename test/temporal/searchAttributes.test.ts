import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { msToTs } from '@temporalio/common/lib/time';
import type { BridgeActivities } from '../../src/activities/types';
import { loadConfig } from '../../src/config/load';
import { startBridge } from '../../src/cli/startBridge';
import { checkSearchAttributes } from '../../src/temporal/searchAttributes';
import { statusQuery } from '../../src/workflows/messages';
import { eventually } from '../../harness/poll';
import { resetEnvAwayFrom } from '../../harness/resetWindow';
import { temporalAddress, uniqueName } from '../support/temporal';
import { stubSettings, written } from '../workflows/stubBridge';

/**
 * A namespace without the bridge's search attributes (Temporal Cloud, where they are created in its UI): the bridge
 * notices, starts the workflow without them, and the workflow runs; without the check it could not run a cycle.
 */
describe('search attributes the namespace may lack', () => {
  let connection: Connection;
  let native: NativeConnection;
  let bundle: WorkflowBundleWithSourceMap;
  const bare = uniqueName('bare-ns');

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    native = await NativeConnection.connect({ address: temporalAddress() });
    await connection.workflowService.registerNamespace({
      namespace: bare,
      workflowExecutionRetentionPeriod: msToTs(86_400_000),
    });
    bundle = await bundleWorkflowCode({
      workflowsPath: join(__dirname, '..', '..', 'src', 'workflows', 'index.ts'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
  }, 60_000);

  afterAll(async () => {
    await connection?.close();
    await native?.close();
  });

  it('are found in the namespace the test server prepared, and found missing in a bare one', async () => {
    expect(await checkSearchAttributes(new Client({ connection, namespace: 'default' }), 'default')).toEqual({
      kind: 'present',
    });
    const check = await eventually(
      () => checkSearchAttributes(new Client({ connection, namespace: bare }), bare),
      (c) => c.kind === 'missing',
      30_000,
      'the bare namespace to answer',
    );
    expect(check).toMatchObject({
      kind: 'missing',
      names: ['BridgeState', 'BridgeAccount', 'BridgeLastOkAt', 'BridgeBufferedRows'],
    });
    expect(check.kind === 'missing' && check.howToCreate).toContain(
      `temporal operator search-attribute create --namespace ${bare} --name BridgeState --type Keyword`,
    );
  });

  it('`bridge start` starts the workflow without them, and it runs cycles and answers its status', async () => {
    const client = new Client({ connection, namespace: bare });
    const taskQueue = uniqueName('bare-queue');
    const activities: Partial<BridgeActivities> = {
      async acquireSession() {
        return { queue: taskQueue, workerId: 'w1', bufferId: 'b1' };
      },
      async runCycle(input) {
        return written(input);
      },
      async replayBuffer() {
        return { replayed: 0, duplicates: 0, remainingRows: 0 };
      },
    };
    const worker = await Worker.create({
      connection: native,
      namespace: bare,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    await worker.runUntil(async () => {
      const config = loadConfig({
        HOME: '/nonexistent',
        TEMPORAL_TASK_QUEUE: taskQueue,
        TEMPORAL_NAMESPACE: bare,
        IB_ACCOUNT: 'DU1',
        CYCLE_INTERVAL_MS: '1000',
        FALLBACK_DIR: mkdtempSync(join(tmpdir(), 'bare-ns-buffer-')),
        ...resetEnvAwayFrom(),
      });
      const started = await startBridge(client, config, 'DU1', { ...stubSettings(), account: 'DU1' });
      expect(started.searchAttributesMissing).toMatch(
        /lacks the search attributes BridgeState, .*the bridge runs without them/,
      );
      const handle = client.workflow.getHandle(started.workflowId);
      try {
        // A query before the first workflow task completes fails: poll through it.
        const status = await eventually(
          () => handle.query(statusQuery).catch(() => null),
          (s) => s !== null && s.cyclesTotal >= 2,
          30_000,
          'two cycles in the bare namespace',
        );
        expect(status?.state).toBe('ready');
        const history = await handle.fetchHistory();
        const events = history.events ?? [];
        // patched() still upserts TemporalChangeVersion, a system attribute every namespace has; no Bridge* key goes out.
        const upserted = events.flatMap((e) =>
          Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
        );
        expect(upserted.filter((key) => key.startsWith('Bridge'))).toEqual([]);
        expect(events.some((e) => e.workflowTaskFailedEventAttributes)).toBe(false);
      } finally {
        await handle.terminate('test done').catch(() => undefined);
      }

      // The same workflow with its search attributes on cannot finish a single workflow task there.
      const blocked = await client.workflow.start('ibkrBridge', {
        taskQueue,
        workflowId: uniqueName('bare-blocked'),
        args: [{ settings: { ...stubSettings(), account: 'DU1' } }],
      });
      try {
        await eventually(
          async () => (await blocked.fetchHistory()).events?.some((e) => e.workflowTaskFailedEventAttributes) ?? false,
          (failed) => failed === true,
          30_000,
          'a failed workflow task',
        );
      } finally {
        await blocked.terminate('test done').catch(() => undefined);
      }
    });
  }, 120_000);
});
