import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface BufferChild {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the line count once `predicate` holds for the lines seen so far. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  kill(): Promise<NodeJS.Signals | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export function spawnBufferChild(env: Record<string, string>): BufferChild {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'bufferChild.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.once('close', (code, signal) => {
      for (const wake of waiters) wake();
      done({ code, signal, stderr });
    }),
  );
  let alive = true;
  void exited.then(() => (alive = false));
  return {
    process: child,
    lines,
    exited,
    waitFor: (predicate, timeoutMs = 60_000) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (predicate(lines)) {
            cleanup();
            done();
          } else if (!alive) {
            cleanup();
            fail(new Error(`child exited before the expected output; stderr: ${stderr.slice(-500)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no expected output within ${timeoutMs} ms; last lines: ${lines.slice(-3).join(' | ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (alive) child.kill('SIGKILL');
      return (await exited).signal;
    },
  };
}
