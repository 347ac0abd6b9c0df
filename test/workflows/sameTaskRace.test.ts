import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';
import { cycleAndReplayInOneTask } from './sameTaskRace';

/**
 * A history recorded with stub activities whose replays finish together with cycles, so that some workflow tasks are
 * handed both completions (a replay as long as the interval does this in production). The current workflow code must
 * emit the loop's timer and the replay's upsert in the order recorded; an await added on the loop's path between a
 * cycle's result and its next timer reverses them and fails here with a nondeterminism error.
 */
const fixture = join(__dirname, 'histories', 'cycle-and-replay-in-one-task.json');

describe('a cycle and a replay finishing in the same workflow task', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });

  it('is in the recorded history: a task handed both, answered with the timer before the upsert', () => {
    const history = JSON.parse(readFileSync(fixture, 'utf8'));
    expect(cycleAndReplayInOneTask(history.events)).toBeGreaterThan(0);
  });

  it('replays against the current workflow code', async () => {
    const history = JSON.parse(readFileSync(fixture, 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'same-task')).resolves.toBeUndefined();
  });
});
