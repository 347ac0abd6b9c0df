import type { IBApi } from '@stoqey/ib';
import { FairIngest, FAIR_INGEST_DEFAULTS, type FairIngestSettings, type IngestSource } from './fairIngest';
import { FramePreFilter, type FrameInterest, type PreFilterStats } from './framePreFilter';

/** How the adapter reads its socket; both parts on by default. */
export interface IngestSettings extends FairIngestSettings {
  /** Decode a burst a slice per event-loop turn (FairIngest). */
  fairShare: boolean;
  /** Drop frames no one reads before the library decodes them (FramePreFilter). */
  preFilter: boolean;
}

export const INGEST_DEFAULTS: Readonly<IngestSettings> = Object.freeze({
  ...FAIR_INGEST_DEFAULTS,
  fairShare: true,
  preFilter: true,
});

/** The ingest of one connection, for the supervisor (stop) and the benchmark (figures). */
export interface IngestHandle {
  stop(): void;
  /** Starts a new measurement of stats().longestTurnMs. */
  resetLongestTurn(): void;
  stats(): PreFilterStats & { turns: number; longestTurnMs: number; backlogBytes: number };
}

/**
 * The parts of @stoqey/ib's internal Socket (core/io/socket.js, reached as api.controller.socket) that are
 * replaced. Its net.Socket calls `this.onData(chunk)`, `this.onEnd()` and `this.onError(err)` through the instance,
 * so instance properties intercept them; `client` is the net.Socket once connect() ran.
 */
interface LibrarySocket {
  onData(data: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
  useV100Plus: boolean;
  client?: IngestSource;
}

function librarySocket(api: IBApi): LibrarySocket | null {
  const socket = (api as unknown as { controller?: { socket?: Partial<LibrarySocket> } }).controller?.socket;
  if (
    !socket ||
    typeof socket.onData !== 'function' ||
    typeof socket.onEnd !== 'function' ||
    typeof socket.onError !== 'function' ||
    socket.useV100Plus !== true
  ) {
    return null;
  }
  return socket as LibrarySocket;
}

/**
 * Puts the pre-filter and fair-share decoding between a fresh IBApi's TCP socket and its decoder; call before
 * api.connect(). Returns null, leaving the library as it was, when its internals are not the ones this was written
 * against (the caller says so once) or when both parts are switched off.
 */
export function installIngest(
  api: IBApi,
  interest: FrameInterest,
  settings: IngestSettings,
  onActivity: () => void = () => {},
): IngestHandle | null {
  if (!settings.fairShare && !settings.preFilter) return null;
  const socket = librarySocket(api);
  if (!socket) return null;
  const onData = socket.onData.bind(socket);
  const onEnd = socket.onEnd.bind(socket);
  const onError = socket.onError.bind(socket);
  const emitter = api as unknown as { listenerCount(event: string): number };
  const filter = new FramePreFilter(
    settings.preFilter ? { interest, listeners: (event) => emitter.listenerCount(event) } : null,
  );
  // Wired in only with fair share; without it each chunk is filtered and decoded at once, as the library would.
  const ingest = new FairIngest(filter, onData, settings, () => socket.client, onActivity);
  if (settings.fairShare) {
    socket.onData = (data) => ingest.data(data);
    socket.onEnd = () => ingest.control(onEnd);
    socket.onError = (error) => ingest.control(() => onError(error));
  } else {
    socket.onData = (data) => {
      const framesBefore = filter.frameCount();
      filter.push(data);
      while (!filter.drain(Number.MAX_SAFE_INTEGER, onData).exhausted);
      if (filter.frameCount() !== framesBefore) onActivity();
    };
  }
  return {
    stop: () => ingest.stop(),
    resetLongestTurn: () => ingest.resetLongestTurn(),
    stats: () => ({
      ...filter.stats(),
      turns: ingest.turns(),
      longestTurnMs: ingest.longestTurnMs(),
      backlogBytes: ingest.backlogBytes(),
    }),
  };
}
