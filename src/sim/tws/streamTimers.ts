/**
 * The repeating timer the market-data streamer runs on. Tests pass a manual one to step a tick interval slot by slot
 * and count the writes, instead of waiting on wall time.
 */
export interface StreamTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realStreamTimers: StreamTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};
