/**
 * Wall-clock epoch milliseconds for the timestamps the adapters record (Greeks, events). Injected so tests can fix
 * the market's time; timers always run on real time.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
