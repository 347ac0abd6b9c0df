import { Contract, EventName, IBApi } from '@stoqey/ib';
import { CalculationBook, type CalculationSettings } from '../../../src/broker/socket/calculationBook';
import { RequestPacer } from '../../../src/broker/socket/pacer';
import { RequestIds, Session } from '../../../src/broker/socket/session';
import { EventHub } from '../../../src/broker/plumbing/eventHub';
import { silentLogger } from '../../../src/broker/plumbing/logger';
import type { BrokerEvent } from '../../../src/broker/types';
import { startTwsSimulator, type TwsSimulator } from '../../../src/sim/tws';
import { eventually } from '../contract/eventually';

const OPTION = 700001;
const OTHER_OPTION = 700002;
const THIRD_OPTION = 700003;
const ES_OPTION = 800001;
const UNKNOWN = 123_456_789;
/** A fixed model instant (2026-03-02 15:30 UTC), so the simulator's values do not move under the test. */
const MODEL_NOW = Date.UTC(2026, 2, 2, 15, 30, 0);
const SETTINGS: CalculationSettings = { maxInFlight: 2, minIntervalPerOptionMs: 60_000, answerTimeoutMs: 10_000 };

/**
 * The book on a real @stoqey/ib session to the simulator, wired as the socket adapter wires its other books: the
 * session's tickOptionComputation and error events go to the book's handlers.
 */
class Rig {
  now = 5_000_000;
  readonly events: BrokerEvent[] = [];
  /** [reqId, field] of every computation the client decoded, wanted or not. */
  readonly computations: Array<[number, number]> = [];
  readonly hub = new EventHub({ mode: 'SOCKET', clock: () => this.now, logger: silentLogger });
  readonly book: CalculationBook;
  readonly api: IBApi;
  readonly session: Session;

  constructor(
    readonly sim: TwsSimulator,
    settings: CalculationSettings = SETTINGS,
  ) {
    this.hub.subscribe((event) => this.events.push(event));
    this.book = new CalculationBook(new RequestIds(), this.hub, () => this.now, settings);
    this.api = new IBApi({ host: sim.host, port: sim.port });
    const pacer = new RequestPacer(40, (error) => this.hub.emit({ type: 'error', message: String(error) }));
    this.session = new Session(1, this.api, pacer, this.hub.guard.bind(this.hub));
    const on = this.session.on.bind(this.session);
    on(
      EventName.tickOptionComputation,
      (
        reqId: number,
        field: number,
        _attrib: unknown,
        iv: unknown,
        delta: unknown,
        price: unknown,
        _pvDividend: unknown,
        gamma: unknown,
        vega: unknown,
        theta: unknown,
        underlying: unknown,
      ) => {
        this.computations.push([reqId, field]);
        this.book.onTickOptionComputation(reqId, field, iv, delta, price, gamma, vega, theta, underlying);
      },
    );
    on(EventName.error, (error: unknown, code: unknown, reqId: unknown) => {
      this.book.onRequestError(Number(reqId), Number(code), error instanceof Error ? error.message : String(error));
    });
    on(EventName.nextValidId, () => this.session.markReady());
  }

  async connect(): Promise<void> {
    this.api.connect(7);
    await eventually(() => this.session.isReady(), { what: 'session ready' });
  }

  answers(reqId: number): number {
    return this.computations.filter(([id]) => id === reqId).length;
  }

  errors(): BrokerEvent[] {
    return this.events.filter((event) => event.type === 'error');
  }

  close(): void {
    this.session.end();
    this.api.disconnect();
  }
}

function option(conId: number, exchange = 'SMART'): Contract {
  return { conId, exchange };
}

describe('CalculationBook: IB option calculations on the simulator', () => {
  let sim: TwsSimulator;
  let rig: Rig;

  async function start(settings?: CalculationSettings): Promise<Rig> {
    sim = await startTwsSimulator({ seed: 5, clock: () => MODEL_NOW, settings: { tickIntervalMs: 3_600_000 } });
    rig = new Rig(sim, settings);
    await rig.connect();
    return rig;
  }

  afterEach(async () => {
    rig?.close();
    await sim?.close();
  });

  it('stores IB calculation Greeks with their source, time and volatility time, and cancels the answered request', async () => {
    const { book } = await start();
    const model = sim.model.optionGreeks(OPTION, MODEL_NOW);
    const inputs = { volatility: model.impliedVol, underlyingPrice: model.underlyingPrice, volatilityAt: 4_900_000 };
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    // Its own request id and tick type 53 only: streaming computations (13) and other ids are someone else's.
    expect(book.wantsOptionComputation(1, 53)).toBe(true);
    expect(book.wantsOptionComputation(1, 13)).toBe(false);
    expect(book.wantsOptionComputation(2, 53)).toBe(false);
    rig.now += 250;
    const greeks = await eventually(() => book.latest(OPTION), { what: 'calculation answer' });
    expect(greeks).toMatchObject({
      conId: OPTION,
      source: 'ib_calculation',
      computedAt: 5_000_250,
      ivAt: 4_900_000,
      stale: false,
      marketDataType: 'live',
    });
    for (const key of ['delta', 'gamma', 'vega', 'theta', 'impliedVol', 'optionPrice', 'underlyingPrice'] as const) {
      const expected = key === 'optionPrice' ? model.optionPrice : model[key];
      expect(Math.abs((greeks[key] as number) - expected)).toBeLessThan(1e-9);
    }
    expect(book.wantsOptionComputation(1, 53)).toBe(false);
    await eventually(() => sim.counters().cancelCalcOptionPrice === 1, { what: 'the cancel at the simulator' });
    expect(book.stats()).toMatchObject({ inFlight: 0, sent: 1, answered: 1, notComputed: 0, refused: 0 });

    // Without volatilityAt the value carries no ivAt; a futures option goes out with its listing exchange.
    const fop = sim.model.optionGreeks(ES_OPTION, MODEL_NOW);
    const fopInputs = {
      volatility: fop.impliedVol,
      underlyingPrice: fop.underlyingPrice,
      marketDataType: 'delayed' as const,
    };
    expect(book.request(rig.session, ES_OPTION, option(ES_OPTION, 'CME'), fopInputs)).toBe(true);
    const fopGreeks = await eventually(() => book.latest(ES_OPTION), { what: 'FOP calculation answer' });
    expect(fopGreeks.ivAt).toBeUndefined();
    expect(fopGreeks.marketDataType).toBe('delayed');
    expect(Math.abs((fopGreeks.delta as number) - fop.delta)).toBeLessThan(1e-9);
    expect(rig.errors()).toEqual([]);
  });

  it('rations requests: one in flight per option, a minimum interval per option, maxInFlight in all', async () => {
    const { book } = await start();
    const inputs = { volatility: 0.3, underlyingPrice: 190 };
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(false);
    expect(book.request(rig.session, OTHER_OPTION, option(OTHER_OPTION), inputs)).toBe(true);
    expect(book.request(rig.session, THIRD_OPTION, option(THIRD_OPTION), inputs)).toBe(false);
    expect(book.stats()).toMatchObject({ inFlight: 2, sent: 2, dropped: 1 });
    await eventually(() => book.latest(OPTION) && book.latest(OTHER_OPTION), { what: 'both answers' });

    // Answered: the option waits minIntervalPerOptionMs from its answer; a free slot serves another option at once.
    expect(book.request(rig.session, THIRD_OPTION, option(THIRD_OPTION), inputs)).toBe(true);
    rig.now += 59_999;
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(false);
    rig.now += 1;
    expect(book.request(rig.session, OPTION, option(OPTION), { ...inputs, volatility: 0.5 })).toBe(true);
    await eventually(() => book.latest(OPTION)?.impliedVol === 0.5, { what: 'the second answer' });
    // Inputs that cannot be priced are not sent.
    rig.now += 60_000;
    expect(book.request(rig.session, OPTION, option(OPTION), { volatility: Number.NaN, underlyingPrice: 190 })).toBe(
      false,
    );
    expect(book.request(rig.session, OPTION, option(OPTION), { volatility: 0.3, underlyingPrice: 0 })).toBe(false);
    expect(sim.counters().reqCalcOptionPrice).toBe(4);
  });

  it('reports a refusing gateway once per option and code, keeps no value, and serves again once it answers', async () => {
    const { book } = await start();
    sim.control.setCalculations({ refusalCode: 354 });
    const inputs = { volatility: 0.3, underlyingPrice: 190 };
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    await eventually(() => book.stats().refused === 1, { what: 'the first refusal' });
    expect(book.wantsOptionComputation(1, 53)).toBe(false);
    // The refusal counts as the answer: the option is throttled, and asked again after the interval.
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(false);
    rig.now += 60_000;
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    await eventually(() => book.stats().refused === 2, { what: 'the second refusal' });
    expect(rig.errors()).toHaveLength(1);
    expect(rig.errors()[0]).toMatchObject({ code: 354, details: { conId: OPTION, reqId: 1 } });
    expect(rig.errors()[0].message).toContain(`conId ${OPTION}`);
    expect(book.latest(OPTION)).toBeUndefined();
    // A refused request is not cancelled (the gateway has dropped it already).
    expect(sim.counters().cancelCalcOptionPrice ?? 0).toBe(0);

    sim.control.setCalculations({ refusalCode: null });
    // An unknown contract is its own option's error.
    expect(book.request(rig.session, UNKNOWN, option(UNKNOWN), inputs)).toBe(true);
    await eventually(() => rig.errors().length === 2, { what: 'the 200' });
    expect(rig.errors()[1]).toMatchObject({ code: 200, details: { conId: UNKNOWN } });

    rig.now += 60_000;
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    await eventually(() => book.latest(OPTION), { what: 'a value after the refusals' });
    expect(book.stats()).toMatchObject({ refused: 3, answered: 1 });
    // After a value, a new refusal is reported again.
    sim.control.setCalculations({ refusalCode: 354 });
    rig.now += 60_000;
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    await eventually(() => rig.errors().length === 3, { what: 'the refusal after a value' });
    expect(book.latest(OPTION)?.source).toBe('ib_calculation');
  });

  it('counts "not computed" answers, reports garbage, and ignores the late real answer', async () => {
    const { book } = await start();
    const inputs = { volatility: 0.3, underlyingPrice: 190 };
    // Written before the simulator has even read the request, so these frames reach the client first.
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    sim.control.sendRaw([21, 1, 53, 0, -1, -2, -1, -1, -2, -2, -2, -1]);
    await eventually(() => rig.answers(1) === 2, { what: 'the sentinels and the real answer' });
    expect(book.stats()).toMatchObject({ notComputed: 1, answered: 0, inFlight: 0 });
    expect(book.latest(OPTION)).toBeUndefined();

    rig.now += 60_000;
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    sim.control.sendRaw([21, 2, 53, 0, 'abc', 0.5, 1.2, 0, 0.02, 0.1, -0.03, 190]);
    await eventually(() => rig.answers(2) === 2, { what: 'the garbage and the real answer' });
    expect(book.latest(OPTION)).toBeUndefined();
    expect(rig.events.filter((event) => event.type === 'bad_input')).toHaveLength(1);
    expect(rig.events.find((event) => event.type === 'bad_input')?.details).toMatchObject({ conId: OPTION, reqId: 2 });
  });

  it('forgets in-flight requests when the session is lost, and gives up on unanswered ones after the timeout', async () => {
    const { book } = await start();
    const inputs = { volatility: 0.3, underlyingPrice: 190 };
    sim.control.setStalled({ stalled: true });
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    expect(book.request(rig.session, OTHER_OPTION, option(OTHER_OPTION), inputs)).toBe(true);
    await eventually(() => sim.counters().reqCalcOptionPrice === 2, { what: 'both requests at the simulator' });

    book.onSessionLost();
    expect(book.wantsOptionComputation(1, 53)).toBe(false);
    expect(book.stats().inFlight).toBe(0);
    // Never answered: the options may be asked again at once.
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(true);
    expect(book.wantsOptionComputation(3, 53)).toBe(true);

    // Unanswered for answerTimeoutMs: given up (and cancelled) on the next request, then throttled like an answer.
    rig.now += 10_000;
    expect(book.request(rig.session, OTHER_OPTION, option(OTHER_OPTION), inputs)).toBe(true);
    expect(book.stats()).toMatchObject({ timedOut: 1, inFlight: 1 });
    expect(book.wantsOptionComputation(3, 53)).toBe(false);
    expect(book.request(rig.session, OPTION, option(OPTION), inputs)).toBe(false);
    await eventually(() => sim.counters().cancelCalcOptionPrice === 1, { what: 'the cancel of the overdue request' });
  });
});
