import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

/** RSS and heap after two full collections, so garbage not yet collected does not count as growth. */
export function settledMemory(gc: () => void): MemoryFigures {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB };
}

/** RSS now, without forcing a collection: cheap enough to sample between measured cycles. */
export function currentRssMb(): number {
  return process.memoryUsage.rss() / MB;
}
