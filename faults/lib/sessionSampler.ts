import type { TwsSimulator } from '../../src/sim/tws';

export interface SessionSampler {
  /** Most connections with the client id seen at one instant. */
  max(): number;
  samples(): number;
  stop(): void;
}

/** Samples the simulator's sessions every few ms: two connections with one client id must never coexist. */
export function sampleIbSessions(simulator: TwsSimulator, clientId: number, everyMs = 20): SessionSampler {
  let max = 0;
  let samples = 0;
  const timer = setInterval(() => {
    samples += 1;
    max = Math.max(max, simulator.sessions().filter((session) => session.clientId === clientId).length);
  }, everyMs);
  return { max: () => max, samples: () => samples, stop: () => clearInterval(timer) };
}
