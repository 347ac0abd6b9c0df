import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { installWorkflowThreadProbe } from '../memory/workflowThreadProbe';

/** A callable gc() without starting node with --expose-gc (the flag is set at run time). */
export function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
}

const MB = 1024 * 1024;

/** Full collections in every isolate of the process: the main thread's, and the workflow threads' when probed. */
export type CollectAll = () => Promise<void>;

/**
 * A CollectAll over the main isolate and every workflow worker thread the Temporal SDK starts after this call (their
 * heaps are their own isolates, which the main thread's gc() does not reach). Call before the workers are created.
 */
export function collectEveryIsolate(): CollectAll {
  const gc = exposeGc();
  const threads = installWorkflowThreadProbe();
  return async () => {
    gc();
    gc();
    await threads.sample({ gc: true });
  };
}

/**
 * RSS and heap after full collections in every isolate, so garbage not yet collected (in the main thread or the
 * workflow thread) does not count as growth.
 */
export async function settledMemory(collect: CollectAll): Promise<MemoryFigures> {
  await collect();
  const usage = process.memoryUsage();
  return { rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB };
}

/** RSS now, without forcing a collection: cheap enough to sample between measured cycles. */
export function currentRssMb(): number {
  return process.memoryUsage.rss() / MB;
}
