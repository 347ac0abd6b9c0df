import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PortfolioFile } from '../../src/sim/model';
import type { ControlAction, ControlArgs, SimulatorSettings } from '../../src/sim/tws';

type SimulatorCall =
  | { type: 'start'; seed: number; portfolio: PortfolioFile; settings: Partial<SimulatorSettings> }
  | { type: 'control'; action: ControlAction; args: unknown }
  | { type: 'status' }
  | { type: 'close' };

export type SimulatorRequest = { id: number } & SimulatorCall;

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  at: number;
}

export interface SimulatorProcess {
  host: string;
  port: number;
  /** Runs a control action in the child; resolves when it finished there, with the child's clock at that moment. */
  control<A extends ControlAction>(action: A, args?: ControlArgs<A>): Promise<{ result: unknown; at: number }>;
  /** Lines streaming, the simulator's counters (requests by name, pacingViolations ...), its CPU and memory. */
  status(): Promise<{
    linesInUse: number;
    counters: Record<string, number>;
    cpuUsageMicros: { user: number; system: number };
    rss: number;
  }>;
  close(): Promise<void>;
}

/** Starts the TWS simulator (the real one, src/sim/tws) in a child process with the given portfolio. */
export async function startSimulatorProcess(options: {
  seed: number;
  portfolio: PortfolioFile;
  settings: Partial<SimulatorSettings>;
}): Promise<SimulatorProcess> {
  // The child inherits this process's tsx loader (process.execArgv), so it runs the TypeScript sources.
  const child: ChildProcess = fork(join(__dirname, 'simulatorChild.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | null = null;
  child.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    waiter?.resolve(reply);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`simulator process exited (${signal ?? code})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });

  function call(request: SimulatorCall): Promise<Reply> {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...request, id });
    }).then((reply) => {
      if (!reply.ok) throw new Error(`simulator: ${reply.error}`);
      return reply;
    });
  }

  const started = await call({
    type: 'start',
    seed: options.seed,
    portfolio: options.portfolio,
    settings: options.settings,
  });
  const { host, port } = started.result as { host: string; port: number };
  return {
    host,
    port,
    async control(action, args) {
      const reply = await call({ type: 'control', action, args: args ?? {} });
      return { result: reply.result, at: reply.at };
    },
    async status() {
      return (await call({ type: 'status' })).result as Awaited<ReturnType<SimulatorProcess['status']>>;
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call({ type: 'close' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
