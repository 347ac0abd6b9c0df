import type { WorkflowHandle } from '@temporalio/client';
import type { ScenarioReport } from './report';
import type { SessionSampler } from './sessionSampler';

/** The never-ending workflow survived the faults: its execution still runs. */
export async function checkStillRunning(report: ScenarioReport, handle: WorkflowHandle, after: string): Promise<void> {
  const execution = await handle.describe();
  report.check(`workflow still running after ${after}`, execution.status.name === 'RUNNING', execution.status.name);
}

/** The lease's promise: the simulator never saw two connections with the bridge's client id at one instant. */
export function checkOneIbConnection(report: ScenarioReport, sampler: SessionSampler): void {
  report.check(
    'never two IB connections with one client id',
    sampler.max() <= 1,
    `max ${sampler.max()} over ${sampler.samples()} samples`,
  );
}
