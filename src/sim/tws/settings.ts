import { DEFAULT_GREETING_CODES } from './protocol/statusCodes';

/** Everything a test or the control API can change while the simulator runs. Durations are real milliseconds. */
export interface SimulatorSettings {
  /**
   * The simulator's own maximum version, as a gateway has one: the handshake answers min(this, the client's maximum,
   * 193). A client whose whole range is older than 151 is refused.
   */
  serverVersion: number;
  /** Fault: answer this version whatever the client offers (e.g. 201 to test the client's 506); null negotiates. */
  answerVersion: number | null;
  /** id -1 status codes sent after nextValidId. */
  greetingCodes: number[];
  /** 'immediate', a delay in ms, or 'withheld' (never sent: the client stays paused). */
  nextValidId: 'immediate' | 'withheld' | number;
  /** Every reply is delayed by replyDelayMs plus a uniform random [0, replyJitterMs), order preserved. */
  replyDelayMs: number;
  replyJitterMs: number;
  /** When > 0, replies are held and released together on multiples of this interval. */
  burstIntervalMs: number;
  /** Connections stay open but nothing at all is sent (currentTime unanswered). */
  stalled: boolean;
  /** New connections are accepted but never get the version frame. */
  silentAccept: boolean;
  /** Concurrent streaming market-data lines across all clients (error 101 beyond). */
  lineLimit: number;
  /** Client messages per second per connection (error 100 above); 0 disables the monitor. */
  pacingLimit: number;
  pacingDisconnect: boolean;
  /** The account holds live market-data subscriptions (else: 354 for live, 10167 + delayed data for delayed). */
  liveEntitled: boolean;
  /** Outside market hours frozen requests get one round of last values instead of a stream. */
  marketOpen: boolean;
  tickIntervalMs: number;
  /**
   * How a tick interval's updates reach a client: 'spread' (as a gateway sends them: each line in writes of its own,
   * at its own instant within the interval), 'round' (every line's round in one write, then their model ticks in a
   * second: the worst case for a client), or 'burst' (burstUpdates rounds of every line in one write each interval:
   * a market open that never ends).
   */
  streamMode: StreamMode;
  /** Rounds per line in one write, in 'burst' mode and for the burst() command's default. */
  burstUpdates: number;
  pnlIntervalMs: number;
  /** Live computation tick types sent each round for options (delayed ones are these + 70). */
  computationTickTypes: number[];
  /** positionEnd follows the position dump after this long (a slow gateway); 0 sends it at once. */
  positionEndDelayMs: number;
  /** Accounts the login manages (managedAccounts, and whose positions reqPositions sends); null: every account. */
  managedAccounts: string[] | null;
  /** Contracts whose position events carry an empty multiplier, as TWS sometimes sends for options and futures. */
  emptyMultiplierConIds: number[];
  /** Contracts whose reqContractDetails is answered with 200 (no security definition). */
  contractDetailsRefusedConIds: number[];
  /**
   * Futures options' computation ticks (10-13, 80-83) carry Double.MAX ("unknown") as the underlying price, as a
   * gateway sends them when the future's own price is not subscribed. The Greeks are still filled.
   */
  fopWithoutUnderlyingPrice: boolean;
  /**
   * calculateOptionPrice / calculateImpliedVolatility are answered with this error code instead of a result (e.g.
   * 354, or 10090 for a missing underlying permission); null computes them.
   */
  calculationRefusalCode: number | null;
}

export const STREAM_MODES = ['spread', 'round', 'burst'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

export function defaultSettings(): SimulatorSettings {
  return {
    serverVersion: 193,
    answerVersion: null,
    greetingCodes: [...DEFAULT_GREETING_CODES],
    nextValidId: 'immediate',
    replyDelayMs: 0,
    replyJitterMs: 0,
    burstIntervalMs: 0,
    stalled: false,
    silentAccept: false,
    lineLimit: 100,
    pacingLimit: 50,
    pacingDisconnect: false,
    liveEntitled: true,
    marketOpen: true,
    tickIntervalMs: 250,
    streamMode: 'spread',
    burstUpdates: 5,
    pnlIntervalMs: 1000,
    computationTickTypes: [10, 11, 12, 13],
    positionEndDelayMs: 0,
    managedAccounts: null,
    emptyMultiplierConIds: [],
    contractDetailsRefusedConIds: [],
    fopWithoutUnderlyingPrice: false,
    calculationRefusalCode: null,
  };
}
