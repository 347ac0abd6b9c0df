import { BroadcastChannel, type WorkerOptions } from 'node:worker_threads';

// The module object itself (an `import *` namespace is read-only), so that its `Worker` export can be replaced.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');

/** The workflow worker thread's own isolate, as it reports it (v8.getHeapStatistics inside the thread). */
export interface WorkflowThreadHeap {
  threadId: number;
  usedHeapMb: number;
  totalHeapMb: number;
  /** Memory V8 allocated outside its heap for this isolate (malloc), e.g. compiled code metadata. */
  mallocedMb: number;
  externalMb: number;
  /** Workflow runs the thread holds a VM (or a context slot) for. */
  runs: number;
}

const REQUESTS = 'memory-probe:requests';
const REPLIES = 'memory-probe:replies';
const MB = 1024 * 1024;

/**
 * Code that runs first in every thread the SDK starts for `workflow-worker-thread.js`: it answers probe requests on a
 * BroadcastChannel (which reaches every thread of the process without touching the SDK's own parentPort), optionally
 * after a full collection in that isolate, then loads the SDK's thread script as usual.
 */
function threadPrelude(original: string): string {
  const sdkDir = JSON.stringify(original.replace(/workflow-worker-thread\.js$/, ''));
  // Inside a function: an eval'd thread script runs at global scope, where `gc` may already be declared.
  return `(() => {
const { BroadcastChannel, threadId } = require('node:worker_threads');
const v8 = require('node:v8');
v8.setFlagsFromString('--expose-gc');
const collect = require('node:vm').runInNewContext('gc');
const requests = new BroadcastChannel(${JSON.stringify(REQUESTS)});
const replies = new BroadcastChannel(${JSON.stringify(REPLIES)});
requests.unref();
replies.unref();
requests.onmessage = (event) => {
  if (event.data && event.data.gc) { collect(); collect(); }
  const h = v8.getHeapStatistics();
  let runs = -1;
  try {
    runs = Math.max(require(${sdkDir} + 'reusable-vm.js').ReusableVMWorkflowCreator.workflowByRunId.size,
                    require(${sdkDir} + 'vm.js').VMWorkflowCreator.workflowByRunId.size);
  } catch {}
  replies.postMessage({ threadId, used: h.used_heap_size, total: h.total_heap_size, malloced: h.malloced_memory,
    external: h.external_memory, runs });
};
})();
require(${JSON.stringify(original)});
`;
}

/**
 * Makes every workflow worker thread the Temporal SDK starts from now on answer `sample()`. The SDK constructs its
 * threads as `new worker_threads.Worker(path)` at call time, so replacing the module's `Worker` export reaches them;
 * every other thread is started unchanged. Call before the first `Worker.create`.
 */
export function installWorkflowThreadProbe(): { sample(options: { gc: boolean }): Promise<WorkflowThreadHeap[]> } {
  const NodeWorker = workerThreads.Worker;
  class ProbedWorker extends NodeWorker {
    constructor(filename: string | URL, options?: WorkerOptions) {
      const path = String(filename);
      if (path.endsWith('workflow-worker-thread.js')) {
        super(threadPrelude(path), { ...options, eval: true });
      } else {
        super(filename, options);
      }
    }
  }
  (workerThreads as { Worker: typeof NodeWorker }).Worker = ProbedWorker;
  const requests = new BroadcastChannel(REQUESTS);
  const replies = new BroadcastChannel(REPLIES);
  requests.unref();
  replies.unref();
  return {
    /** Asks every probed thread for its heap; threads that do not answer within 2 s are left out. */
    sample({ gc }) {
      return new Promise((resolve) => {
        const heaps = new Map<number, WorkflowThreadHeap>();
        const done = () => {
          replies.onmessage = () => undefined;
          resolve([...heaps.values()].sort((a, b) => a.threadId - b.threadId));
        };
        const timer = setTimeout(done, 2000);
        replies.onmessage = (event) => {
          const d = (event as MessageEvent).data as Record<string, number>;
          heaps.set(d.threadId, {
            threadId: d.threadId,
            usedHeapMb: d.used / MB,
            totalHeapMb: d.total / MB,
            mallocedMb: d.malloced / MB,
            externalMb: d.external / MB,
            runs: d.runs,
          });
          // The pool of the shared queue's worker has one thread with reuseV8Context (SDK default).
          if (heaps.size >= expectedThreads) {
            clearTimeout(timer);
            done();
          }
        };
        requests.postMessage({ gc });
      });
    },
  };
}

let expectedThreads = 1;

/** How many workflow threads `sample()` waits for before answering (SDK default with reuseV8Context: 1). */
export function expectWorkflowThreads(count: number): void {
  expectedThreads = count;
}
