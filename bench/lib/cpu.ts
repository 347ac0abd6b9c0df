import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms) this process has used so far. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) of another process, from /proc (Linux); NaN where that is not available. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU of the worker process and the Temporal server while no cycle runs, in % of one core. */
export interface IdleCpu {
  /** This process: market-data ingest from the simulator, pollers, timers. */
  workerPct: number;
  /** The Temporal server with the workers long-polling it. */
  serverPct: number;
}

export interface PhaseCpu {
  cpuMs: number;
  seconds: number;
  /** Cycles written in the phase. */
  written: number;
}

/** Samples both processes over `windowMs` with nothing scheduled. */
export async function measureIdleCpu(serverCpuMs: () => number, windowMs = 3000): Promise<IdleCpu> {
  const before = { worker: ownCpuMs(), server: serverCpuMs(), at: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const elapsed = performance.now() - before.at;
  return {
    workerPct: (100 * (ownCpuMs() - before.worker)) / elapsed,
    serverPct: (100 * (serverCpuMs() - before.server)) / elapsed,
  };
}

/** CPU ms one cycle adds on top of the idle rate. */
export function netCpuPerCycleMs(phase: PhaseCpu, idlePct: number): number {
  return (phase.cpuMs - (idlePct / 100) * phase.seconds * 1000) / phase.written;
}
