import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';

/**
 * Histories recorded from real runs (`RECORD_HISTORIES=1 npm test -- test/bridge/resilience`): a Postgres outage
 * with fallback and replay, a nightly reset window, continue-as-new, the
 * retention activity added behind patched('retention-at-run-start'), and alerts behind patched('alerts') (firing,
 * resolving, across continue-as-new and a reset window), and a replay that fails while cycles are written, behind
 * patched('no-silent-holes'), and a stopping worker's handover of the session (`sessionReleased`), behind
 * patched('session-handover'). A change to the workflow that alters
 * its command sequence without patched() fails here.
 */
const dir = join(__dirname, 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });

  it('has the recorded scenarios', () => {
    expect(fixtures.sort()).toEqual([
      'alerts-continue-as-new.json',
      'alerts-reset-window.json',
      'alerts.json',
      'continue-as-new.json',
      'db-outage.json',
      'replay-failure.json',
      'reset-window.json',
      'retention.json',
      'session-handover.json',
    ]);
  });

  it.each(fixtures)('%s replays without a determinism error', async (file) => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, file)).resolves.toBeUndefined();
  });
});
