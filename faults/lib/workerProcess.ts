import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/infra/freePort';
import { PROJECT_ROOT, stopChild } from '../../src/infra/temporalServer';
import { eventually } from '../../harness/poll';

export interface WorkerEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TASK_QUEUE: string;
  FALLBACK_DIR: string;
  [key: string]: string | undefined;
}

/**
 * One real worker process (`node --import tsx src/worker.ts`), configured only through its environment as
 * in production. Its output is kept in memory and in a log file, so a scenario can search every line.
 */
export class WorkerProcess {
  readonly lines: string[] = [];
  private partial = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly httpPort: number,
    readonly env: WorkerEnv,
    private readonly logFile: WriteStream,
  ) {
    const collect = (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((line) => line.length > 0));
      logFile.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.partial) this.lines.push(this.partial);
        this.partial = '';
        this.exit = { code, signal };
        logFile.end();
        resolve();
      }),
    );
  }

  /** Spawns the worker; HTTP_PORT is chosen here unless env has one. Does not wait for it to be healthy. */
  static async spawn(env: WorkerEnv, logPath: string): Promise<WorkerProcess> {
    const httpPort = env.HTTP_PORT ? Number(env.HTTP_PORT) : await freePort();
    const fullEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
    for (const [key, value] of Object.entries({
      LOG_LEVEL: process.env.FAULTS_WORKER_LOG_LEVEL ?? 'info',
      HTTP_PORT: String(httpPort),
      ...env,
    })) {
      if (value !== undefined) fullEnv[key] = value;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'worker.ts')], {
      cwd: PROJECT_ROOT,
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child, httpPort, env, createWriteStream(logPath, { flags: 'a' }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  alive(): boolean {
    return this.exit === null;
  }

  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exit;
  }

  async healthz(): Promise<number> {
    return fetch(`http://127.0.0.1:${this.httpPort}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status)
      .catch(() => 0);
  }

  /** /readyz's status code, 0 when it does not answer. */
  async readyz(): Promise<number> {
    return fetch(`http://127.0.0.1:${this.httpPort}/readyz`, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.status)
      .catch(() => 0);
  }

  async metrics(): Promise<string> {
    return fetch(`http://127.0.0.1:${this.httpPort}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.text())
      .catch(() => '');
  }

  /** Resolves once /healthz answers 200; fails early with the worker's last output if it exits instead. */
  async waitHealthy(timeoutMs = 120_000): Promise<void> {
    await eventually(
      async () => (this.alive() ? this.healthz() : -1),
      (status) => status === 200 || status === -1,
      timeoutMs,
      `worker ${this.pid} healthy`,
    );
    if (!this.alive()) {
      throw new Error(`worker ${this.pid} exited (${JSON.stringify(this.exit)}): ${this.tail()}`);
    }
  }

  /** Waits for the process to end; resolves with its exit status. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    return this.exit;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive()) this.child.kill(signal);
  }

  /** SIGKILL, then waits until the process is gone. */
  async killHard(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM with a grace period, then SIGKILL. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.alive()) this.child.kill('SIGCONT');
    await stopChild(this.child, graceMs);
    await this.exited;
  }

  tail(lines = 5): string {
    return this.lines.slice(-lines).join(' | ').slice(-1500);
  }
}

/** The human part of a pino JSON line (msg, plus err.message when there is one); the line itself otherwise. */
export function logMessage(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [entry.msg, entry.err?.message].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}
