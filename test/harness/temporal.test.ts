import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { connectTestEnv, temporalAddress, uniqueName } from '../support/temporal';
import { probeWorkflow } from './fixtures/probeWorkflow';

describe('test harness: Temporal dev server + PostgreSQL', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    env = await connectTestEnv();
    db = await createTestDatabase('harness');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('create table probe (id serial primary key, label text not null)');
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
    await env?.teardown();
  });

  it('answers `temporal operator cluster health`', () => {
    const out = execFileSync(
      process.env.TEST_TEMPORAL_BINARY as string,
      ['operator', 'cluster', 'health', '--address', temporalAddress()],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/SERVING/);
  });

  it('runs a workflow on a real worker whose activity writes a row that can be read back', async () => {
    const taskQueue = uniqueName('harness');
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: join(__dirname, 'fixtures', 'probeWorkflow.ts'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: {
        async insertProbe(label: string) {
          const result = await pg.query<{ id: number }>('insert into probe (label) values ($1) returning id', [label]);
          return result.rows[0].id;
        },
      },
    });
    const label = uniqueName('row');
    const id = await worker.runUntil(
      env.client.workflow.execute(probeWorkflow, { taskQueue, workflowId: uniqueName('probe'), args: [label] }),
    );
    const stored = await pg.query('select label from probe where id = $1', [id]);
    expect(stored.rows).toEqual([{ label }]);
  });
});
