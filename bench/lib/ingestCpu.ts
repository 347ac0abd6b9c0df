/**
 * What reading a market-data stream costs the worker: N option lines streamed by the TWS simulator (in its own
 * process) into a real @stoqey/ib client, with the adapter's MarketDataBook deciding what is read, and the socket
 * read with or without the pre-filter and the fair-share decoding.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EventName, IBApi } from '@stoqey/ib';
import { installIngest, INGEST_DEFAULTS, type IngestSettings } from '../../src/broker/socket/libraryIngest';
import { MarketDataBook } from '../../src/broker/socket/marketDataBook';
import { ContractResolver } from '../../src/broker/socket/contractResolver';
import { RequestPacer } from '../../src/broker/socket/pacer';
import { RequestIds, Session } from '../../src/broker/socket/session';
import { EventHub } from '../../src/broker/plumbing/eventHub';
import { silentLogger } from '../../src/broker/plumbing/logger';
import type { Position } from '../../src/broker/types';
import type { PortfolioFile } from '../../src/sim/model';
import { ownCpuMs } from './cpu';
import { startSimulatorProcess, type SimulatorProcess } from './simulatorProcess';

export interface IngestRun {
  /** Option lines streamed. */
  options: number;
  /** Updates per option per second (one update: 3 prices with sizes, a volume, 4 option computations). */
  rate: number;
  seconds: number;
  ingest: Partial<IngestSettings>;
}

export interface IngestFigures {
  updatesPerSecond: number;
  framesPerSecond: number;
  /** This process's CPU over the window, in % of one core. */
  cpuPct: number;
  /** cpuPct per 1,000 option updates per second. */
  cpuPctPer1000: number;
  /**
   * Event-loop delay over the window, in ms beyond the sampling interval: perf_hooks.monitorEventLoopDelay records
   * each interval between its timer's runs; at 10 ms, 25 samples per 250 ms round, so p99 covers the bursts.
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The longest fair-share decoding turn in the window, in ms (NaN without fair share). */
  longestTurnMs: number;
  /** Share of frames dropped undecoded. */
  droppedShare: number;
}

const UNDERLYINGS = [
  { conId: 265598, symbol: 'AAPL', price: 190 },
  { conId: 272093, symbol: 'MSFT', price: 420 },
  { conId: 756733, symbol: 'SPY', price: 560 },
  { conId: 320227571, symbol: 'QQQ', price: 480 },
  { conId: 76792991, symbol: 'TSLA', price: 250 },
];
const FIRST_OPTION_CONID = 1_000_000;
const LOOP_DELAY_RESOLUTION_MS = 10;
const ACCOUNT = 'DU1234567';
/** Each measurement connects with its own client id, so one simulator serves several in a row. */
let nextClientId = 31;

function optionPortfolio(count: number): { file: PortfolioFile; positions: Position[] } {
  const contracts: unknown[] = UNDERLYINGS.map((u) => ({
    conId: u.conId,
    symbol: u.symbol,
    localSymbol: u.symbol,
    secType: 'STK',
    startPrice: u.price,
    walkVolatility: 0.25,
    impliedVol: 0.3,
  }));
  const positions: Position[] = [];
  for (let i = 0; i < count; i++) {
    const u = UNDERLYINGS[i % UNDERLYINGS.length];
    const strike = Math.round(u.price * (0.7 + (Math.floor(i / UNDERLYINGS.length) % 60) * 0.01));
    const days = 7 + 7 * Math.floor(i / (UNDERLYINGS.length * 60));
    const right = i % 2 ? 'P' : 'C';
    const conId = FIRST_OPTION_CONID + i;
    const localSymbol = `${u.symbol} ${days}D ${right}${strike}`;
    contracts.push({
      conId,
      symbol: u.symbol,
      localSymbol,
      secType: 'OPT',
      right,
      strike,
      expiry: `+${days}d`,
      multiplier: 100,
      underConId: u.conId,
    });
    positions.push({
      account: ACCOUNT,
      conId,
      localSymbol,
      underlying: u.symbol,
      underlyingConId: u.conId,
      secType: 'OPT',
      right,
      strike,
      multiplier: 100,
      quantity: 1,
      currency: 'USD',
    });
  }
  return { file: { accounts: [{ id: ACCOUNT }], contracts, positions: [] } as unknown as PortfolioFile, positions };
}

/** A simulator for `measureIngest` runs with the same options and rate (pass it to share it between runs). */
export function startIngestSimulator(run: Pick<IngestRun, 'options' | 'rate'>): Promise<SimulatorProcess> {
  return startSimulatorProcess({
    seed: 1,
    portfolio: optionPortfolio(run.options).file,
    // Lines of an earlier run's client are released when the simulator sees it go: room for a few at once.
    settings: { lineLimit: run.options * 4 + 10, pacingLimit: 0, tickIntervalMs: Math.round(1000 / run.rate) },
  });
}

/** The adapter's read side on one IBApi: the book subscribes every option and takes the ticks it reads. */
class BookClient {
  readonly api: IBApi;
  readonly book: MarketDataBook;
  readonly handle: ReturnType<typeof installIngest>;
  models = 0;
  private readonly session: Session;

  constructor(host: string, port: number, positions: Position[], ingest: IngestSettings) {
    const events = new EventHub({ mode: 'SOCKET', clock: Date.now, logger: silentLogger });
    const ids = new RequestIds();
    const resolver = new ContractResolver(ids, events, () => {});
    this.book = new MarketDataBook(() => positions, positions.length, 'live', Date.now, ids, resolver, events);
    this.api = new IBApi({ host, port, maxReqPerSec: 100_000 });
    this.handle = installIngest(this.api, this.book, ingest);
    // Subscribing thousands of lines at IB's 45/s would take a minute; the simulator does not pace.
    this.session = new Session(1, this.api, new RequestPacer(1_000_000, () => {}), events.guard.bind(events));
    // The same three handlers socketBroker attaches for market data.
    this.session.on(
      EventName.tickOptionComputation,
      (
        reqId: number,
        field: number,
        _attrib: unknown,
        iv: unknown,
        delta: unknown,
        price: unknown,
        _pv: unknown,
        gamma: unknown,
        vega: unknown,
        theta: unknown,
        und: unknown,
      ) => {
        if (field === 13) this.models++;
        this.book.onTickOptionComputation(reqId, field, iv, delta, price, gamma, vega, theta, und);
      },
    );
    this.session.on(EventName.tickPrice, (reqId: number, field: number, value: unknown) =>
      this.book.onTickPrice(reqId, field, value),
    );
    this.session.on(EventName.marketDataType, (reqId: number, type: unknown) =>
      this.book.onMarketDataType(reqId, type),
    );
    this.session.on(EventName.nextValidId, () => {
      this.session.markReady();
      this.book.reconcile();
      this.book.onSessionReady(this.session);
    });
    this.api.connect(nextClientId++);
  }

  stop(): void {
    this.session.end();
    this.handle?.stop();
    this.api.disconnect();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The event-loop delay of this process with no stream at all, over `seconds`: the floor the machine itself sets (a
 * shared or busy machine delays a niced process by itself).
 */
export async function idleLoopDelay(seconds: number): Promise<{ p99Ms: number; maxMs: number; cpuPct: number }> {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const cpu = ownCpuMs();
  const started = performance.now();
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  histogram.disable();
  const cpuPct = (100 * (ownCpuMs() - cpu)) / (performance.now() - started);
  return {
    p99Ms: histogram.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS,
    maxMs: histogram.max / 1e6 - LOOP_DELAY_RESOLUTION_MS,
    cpuPct,
  };
}

/** Streams `options` lines at `rate` updates each per second for `seconds` and measures this process. */
export async function measureIngest(run: IngestRun, simulator?: SimulatorProcess): Promise<IngestFigures> {
  const { positions } = optionPortfolio(run.options);
  const sim = simulator ?? (await startIngestSimulator(run));
  const client = new BookClient(sim.host, sim.port, positions, { ...INGEST_DEFAULTS, ...run.ingest });
  try {
    await until(
      () => positions.every((p) => (client.book.greeksSnapshot(p.conId, true)?.computedAt ?? 0) > 0),
      `model Greeks on all ${run.options} lines`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    const models = client.models;
    const stats = client.handle?.stats();
    client.handle?.resetLongestTurn();
    const cpu = ownCpuMs();
    const started = performance.now();
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, run.seconds * 1000));
    histogram.disable();
    const elapsedMs = performance.now() - started;
    const cpuPct = (100 * (ownCpuMs() - cpu)) / elapsedMs;
    const updatesPerSecond = ((client.models - models) * 1000) / elapsedMs;
    const after = client.handle?.stats();
    const frames = after && stats ? after.frames - stats.frames : Number.NaN;
    const dropped = after && stats ? after.dropped - stats.dropped : 0;
    return {
      updatesPerSecond,
      framesPerSecond: (frames * 1000) / elapsedMs,
      cpuPct,
      cpuPctPer1000: cpuPct / (updatesPerSecond / 1000),
      loopDelayP99Ms: histogram.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS,
      loopDelayMaxMs: histogram.max / 1e6 - LOOP_DELAY_RESOLUTION_MS,
      longestTurnMs: run.ingest.fairShare === false ? Number.NaN : (after?.longestTurnMs ?? Number.NaN),
      droppedShare: Number.isFinite(frames) && frames > 0 ? dropped / frames : 0,
    };
  } finally {
    client.stop();
    if (!simulator) await sim.close();
  }
}
