import { setHandler } from '@temporalio/workflow';
import { BridgeLoop } from './bridgeLoop';
import {
  bufferReportSignal,
  pauseSignal,
  resumeSignal,
  sessionReleasedSignal,
  setIntervalUpdate,
  statusQuery,
} from './messages';
import type { BridgeInput } from './types';

export { initialState } from './bridgeLoop';

/**
 * One workflow per account. Runs the cycle activity on a fixed wall-clock grid, waits out the nightly
 * gateway restart, sends rows the database refused to the fallback buffer and replays them later.
 * The IB connection lives in a worker; this code only decides what happens when (see BridgeLoop).
 *
 * Operators pause and resume it, read its status, and change its interval; workers report the rows waiting in their
 * fallback buffers, and a session worker that stops gracefully says it let go of the IB connection. The handlers only change the loop's state; the loop decides what follows.
 *
 * Not async: the workflow's promise is the loop's own, so its end (continue-as-new) takes no extra turn of the event
 * loop, and comes in the same place among the workflow task's commands as it always did.
 */
export function ibkrBridge(input: BridgeInput): Promise<never> {
  const loop = new BridgeLoop(input);
  setHandler(pauseSignal, (reason?: string) => loop.pause(reason));
  setHandler(resumeSignal, () => loop.resume());
  setHandler(statusQuery, () => loop.status());
  setHandler(bufferReportSignal, (report) => loop.reportBuffer(report));
  setHandler(sessionReleasedSignal, (release) => loop.sessionReleased(release));
  setHandler(setIntervalUpdate, (intervalMs) => loop.setInterval(intervalMs), {
    validator: (intervalMs) => loop.validateInterval(intervalMs),
  });
  return loop.run();
}
