import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';
import { logMessage } from '../lib/workerProcess';

/** The fallback buffer cannot write (disk full) while Postgres is down. */
export const diskFull: Scenario = {
  id: 'disk-full',
  title: 'disk full (buffer file on /dev/full) while Postgres is down',
  proves:
    'when neither Postgres nor the disk can take a snapshot, the worker says so clearly (log line, metric, api_logs row once Postgres is back), does not crash or restart in a loop, and resumes writing rows as soon as Postgres returns',
  async run(ctx, report) {
    const outageMs = ctx.quick ? 15_000 : 60_000;
    const stack = await FaultStack.start(ctx, { name: 'disk-full', proxyDatabase: true });
    try {
      // Every append to the active buffer file fails with ENOSPC, as on a full disk.
      const bufferDir = join(stack.dir, 'buffer-full');
      mkdirSync(bufferDir, { recursive: true });
      symlinkSync('/dev/full', join(bufferDir, 'active.jsonl'));
      const worker = await stack.startWorker({ FALLBACK_DIR: bufferDir });
      const handle = await stack.startWorkflow();
      const id = handle.workflowId;
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= 5,
        90_000,
        'first rows',
      );

      stack.proxy!.block();
      const cutAt = Date.now();
      ctx.log(`  Postgres cut for ${outageMs / 1000} s with the buffer on /dev/full`);
      await sleep(outageMs);
      const metrics = await worker.metrics();
      stack.proxy!.unblock();
      const backAt = Date.now();
      const errorLines = worker.lines.map(logMessage).filter((message) => /disk full|ENOSPC/i.test(message));
      report.check(
        'a clear error line in the worker log',
        errorLines.length > 0,
        errorLines[0]?.slice(0, 200) ?? 'none',
      );
      report.check('worker alive, never restarted', worker.alive() && stack.workers.length === 1, `pid ${worker.pid}`);
      const signal = metrics
        .split('\n')
        .filter((line) => /^bridge_.*(buffer|fallback).*(error|fail|unavailable)/i.test(line));
      report.check(
        'a metric signals the failing buffer',
        signal.length > 0,
        signal[0] ?? 'no bridge_* buffer failure metric',
      );

      const resumed = await eventually(
        () => stack.latestRow(id),
        (row) => row !== null && row.slotAt >= backAt,
        45_000,
        'rows once Postgres is back',
      ).then(
        () => true,
        () => false,
      );
      report.check(
        'rows again once Postgres is back (disk still full)',
        resumed,
        `${Math.round((Date.now() - backAt) / 1000)} s`,
      );
      await stack.finish(handle, report);
      const bufferEvents = Object.entries(report.apiLogCounts).filter(([event]) =>
        /buffer|fallback_failed|disk/.test(event),
      );
      report.check(
        'an api_logs row records the buffer failure',
        bufferEvents.length > 0,
        bufferEvents.map(([event, n]) => `${event}×${n}`).join(', ') ||
          `none among ${Object.keys(report.apiLogCounts).join(', ')}`,
      );
      ctx.log(`  outage ${Math.round((backAt - cutAt) / 1000)} s`);
    } finally {
      await stack.close();
    }
  },
};
