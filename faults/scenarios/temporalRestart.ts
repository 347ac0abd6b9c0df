import { join } from 'node:path';
import { freePort } from '../../src/infra/freePort';
import { startTemporalDevServer, type DevServerHandle, type DevServerOptions } from '../../src/infra/temporalServer';
import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { temporalDownTarget } from '../lib/targets';

/** The Temporal dev server dies (SIGKILL) and comes back on its persistent SQLite file. */
export const temporalRestart: Scenario = {
  id: 'temporal-restart',
  title: 'Temporal dev server killed and restarted on its database file',
  proves:
    'the workflow, its grid and its state survive the loss of the Temporal server: the same execution resumes writing rows, the worker reconnects by itself, and the slots missed while the server was down are recorded as gaps',
  async run(ctx, report) {
    const restarts = ctx.quick ? 1 : 3;
    const downMs = ctx.quick ? 5000 : 30_000;
    const dir = ctx.dir('temporal-server');
    // Fixed ports and file: the restarted server must be the same server to everyone.
    const serverOptions: DevServerOptions = {
      port: await freePort(),
      httpPort: await freePort(),
      metricsPort: await freePort(),
      dbFilename: join(dir, 'temporal.db'),
      logFile: join(dir, 'temporal.log'),
    };
    let server: DevServerHandle = await startTemporalDevServer(serverOptions);
    let stack: FaultStack | undefined;
    try {
      stack = await FaultStack.start(ctx, { name: 'temporal-restart', temporalAddress: server.address });
      const worker = await stack.startWorker();
      const handle = await stack.startWorkflow();
      const id = handle.workflowId;
      const runId = (await handle.describe()).runId;
      await eventually(
        () => stack!.rowCount(id),
        (n) => n >= 5,
        90_000,
        'first rows',
      );
      const resumeSeconds: number[] = [];
      for (let restart = 1; restart <= restarts; restart += 1) {
        const downAt = Date.now();
        server.process.kill('SIGKILL');
        await new Promise((resolve) => server.process.once('exit', resolve));
        ctx.log(`  Temporal server killed (${restart}/${restarts}); down for ${downMs / 1000} s`);
        await sleep(downMs);
        const rowsBefore = await stack.rowCount(id);
        const backAt = Date.now();
        server = await startTemporalDevServer(serverOptions);
        stack.markFault(`Temporal server down (${restart})`, downAt, Date.now());
        await eventually(
          () => stack!.rowCount(id),
          (n) => n >= rowsBefore + 5,
          180_000,
          `rows after restart ${restart}`,
        );
        resumeSeconds.push((Date.now() - backAt) / 1000);
      }
      const execution = await handle.describe();
      report.check('the same execution is running', execution.status.name === 'RUNNING', `${execution.status.name}`);
      report.check(
        'workflow resumed after every restart',
        resumeSeconds.length === restarts,
        `5 more rows within ${resumeSeconds.map((s) => s.toFixed(1)).join(', ')} s`,
      );
      report.check(
        'state carried: first run id kept or continued as new',
        Boolean(execution.runId),
        `${runId} → ${execution.runId}`,
      );
      report.check('worker process survived the outages', worker.alive(), `pid ${worker.pid}`);
      await stack.finish(handle, report);
      report.target(temporalDownTarget(report.figures()));
    } finally {
      await stack?.close();
      await server.stop();
    }
  },
};
