import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';

/**
 * Replays `handle`'s history against `bundle` (a determinism error throws) and, with RECORD_HISTORIES=1, keeps it as
 * test/replay/histories/<fixtureName>.json, which every later build must replay. Returns the number of events.
 */
export async function replayAndRecord(
  bundle: WorkflowBundleOption,
  handle: WorkflowHandle,
  fixtureName: string,
): Promise<number> {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId);
  if (process.env.RECORD_HISTORIES === '1') {
    writeFileSync(join(__dirname, '..', 'test', 'replay', 'histories', `${fixtureName}.json`), historyToJSON(history));
  }
  return history.events?.length ?? 0;
}
