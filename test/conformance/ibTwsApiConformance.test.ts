import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isOption } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';

const run = promisify(execFile);
const CLIENT_SCRIPT = join(__dirname, 'ibTwsApiClient.mjs');
const CLIENT_ID = 23;
const LINE_LIMIT = 4;
const STREAMED_STOCK = 265598;
/** Far from the request ids the client allocates, so the id it misreads (below) is never one of its own. */
const NEXT_ORDER_ID = 1000;
const NOW = Date.UTC(2026, 2, 2, 15, 30, 0);
/**
 * ib-tws-api paces its requests at 45 per fixed one-second slot, so up to 90 can fall in one sliding second (the
 * simulator's measure) across a slot boundary. The limit is set to that bound: a client pacing worse still fails.
 */
const PACING_LIMIT = 90;

interface Report {
  steps: string[];
  failure?: string;
  serverVersion: number;
  nextValidId: number;
  managedAccounts: string[];
  currentTime: number;
  openOrders: unknown[];
  allOpenOrders: unknown[];
  positions: Array<{
    conId: number;
    secType: string;
    multiplier: string;
    exchange: string;
    position: number;
    avgCost: number;
  }>;
  accountValues: Array<{ key: string; value: string; currency: string; account: string }>;
  portfolioMessages: number;
  accountTimeMessages: number;
  accountDownloadEnd: string[];
  contractDetails: Record<
    string,
    {
      conId: number;
      secType: string;
      exchange: string;
      multiplier: string;
      underConId: number;
      mdSizeMultiplier: number;
      realExpirationDate: string;
    }
  >;
  snapshots: Record<string, { bid: number; ask: number; last: number; close: number }>;
  optionComputations: Record<
    string,
    { frames: string[][]; filedUnder: string | undefined; decoded: Record<string, number | null> | null }
  >;
  lines: Array<{ ticks: number; errors: Array<{ code: number; message: string }> }>;
  pnl: string;
  duplicateClientId: { statuses: Array<{ code: number; message: string }>; closed: boolean };
  statuses: Array<{ code: number; message: string }>;
  notDecoded: string[];
}

/**
 * A TWS client nobody on this project wrote: the npm package ib-tws-api 1.3.0, an ES-module port of IBKR's Python
 * client that offers v100..151. It runs in its own Node process (it is ESM-only) against the simulator, as a user's
 * program would, and the figures it reports are compared with the simulator's model.
 */
describe('TWS conformance: ib-tws-api at its own version range (v100..151)', () => {
  let sim: TwsSimulator;
  let report: Report;

  beforeAll(async () => {
    sim = await startTwsSimulator({
      seed: 5,
      clock: () => NOW,
      nextOrderId: NEXT_ORDER_ID,
      settings: { lineLimit: LINE_LIMIT, tickIntervalMs: 60_000, pacingLimit: PACING_LIMIT },
    });
    const account = sim.model.accounts()[0].id;
    const args = [
      CLIENT_SCRIPT,
      ...['--port', String(sim.port), '--client-id', String(CLIENT_ID), '--account', account],
      ...['--line-limit', String(LINE_LIMIT), '--stream-con-id', String(STREAMED_STOCK)],
    ];
    const { stdout } = await run(process.execPath, args, { timeout: 120_000 }).catch((error: { stdout?: string }) => {
      if (!error.stdout) throw error;
      return { stdout: error.stdout };
    });
    report = JSON.parse(stdout) as Report;
  }, 180_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('runs every step to the end', () => {
    expect({ failure: report.failure, steps: report.steps }).toEqual({
      failure: undefined,
      steps: [
        'connect',
        'startup',
        'positions',
        'accountUpdates',
        'contractDetails',
        'marketData',
        'lines',
        'duplicateClientId',
      ],
    });
  });

  it('negotiates 151, greets with accounts, an order id and farm status, and answers the startup requests', () => {
    expect(report.serverVersion).toBe(151);
    expect(report.nextValidId).toBe(NEXT_ORDER_ID);
    expect(report.managedAccounts).toEqual(sim.model.accounts().map((account) => account.id));
    expect(report.statuses.map((status) => status.code)).toEqual([2104, 2106, 2158]);
    expect(report.currentTime).toBe(NOW / 1000);
    expect(report.openOrders).toEqual([]);
    expect(report.allOpenOrders).toEqual([]);
    // Every request the client sent was decoded at 151: none unknown, no protocol violation.
    const counters = sim.counters();
    expect(counters).toMatchObject({
      startApi: 2,
      reqCurrentTime: 1,
      reqOpenOrders: 1,
      reqAllOpenOrders: 1,
      reqAutoOpenOrders: 1,
      reqMarketDataType: 1,
      reqPositions: 1,
      reqAccountUpdates: 1,
      reqContractDetails: report.positions.length,
      // A snapshot per option, then the streaming lines up to the limit and one more.
      reqMktData: Object.keys(report.snapshots).length + LINE_LIMIT + 1,
    });
    expect(counters.unsupported ?? 0).toBe(0);
    expect(counters.protocolViolations ?? 0).toBe(0);
    expect(counters.pacingViolations ?? 0).toBe(0);
  });

  it('reports every position as the model holds it', () => {
    const byConId = (a: { conId: number }, b: { conId: number }) => a.conId - b.conId;
    const expected = sim.model
      .positions()
      .map((row) => {
        const contract = sim.model.contract(row.conId)!;
        return {
          conId: row.conId,
          secType: contract.secType,
          // IBKR sends an empty multiplier for stocks and leaves the exchange empty in position messages.
          multiplier: contract.secType === 'STK' ? '' : String(contract.multiplier),
          exchange: '',
          position: row.quantity,
          avgCost: row.avgCost,
        };
      })
      .sort(byConId);
    expect([...report.positions].sort(byConId)).toEqual(expected);
  });

  it('receives the account values and portfolio of reqAccountUpdates, which the package frames but does not decode', () => {
    const account = sim.model.accounts()[0].id;
    const valuation = sim.model.accountValuation(account);
    const value = (key: string) =>
      Number(report.accountValues.find((row) => row.key === key && row.currency === 'USD')?.value);
    expect(value('NetLiquidation')).toBeCloseTo(valuation.netLiquidation, 2);
    expect(report.accountValues.every((row) => row.account === account)).toBe(true);
    expect(report.portfolioMessages).toBe(sim.model.positions(account).length);
    expect(report.accountTimeMessages).toBe(1);
    expect(report.accountDownloadEnd).toEqual([account]);
    // ib-tws-api 1.3.0 prints these as "message handler is not implemented yet" instead of decoding them.
    expect(report.notDecoded).toEqual(
      expect.arrayContaining(['ACCT_DOWNLOAD_END', 'ACCT_UPDATE_TIME', 'ACCT_VALUE', 'PORTFOLIO_VALUE']),
    );
  });

  it('gets contract details for every position, laid out for 151 (version field, mdSizeMultiplier)', () => {
    for (const row of sim.model.positions()) {
      const contract = sim.model.contract(row.conId)!;
      expect(report.contractDetails[String(row.conId)]).toEqual({
        conId: row.conId,
        secType: contract.secType,
        exchange: contract.exchange,
        multiplier: contract.secType === 'STK' ? '' : String(contract.multiplier),
        underConId: isOption(contract) ? contract.underConId : 0,
        mdSizeMultiplier: 1,
        realExpirationDate: contract.expiry ?? '',
      });
    }
  });

  it('sends each option its quotes and model Greeks in the 151 layout of tickOptionComputation', () => {
    const options = sim.model.positions().filter((row) => isOption(sim.model.contract(row.conId)!));
    expect(options.length).toBeGreaterThan(0);
    for (const { conId } of options) {
      const snapshot = report.snapshots[String(conId)];
      expect({ conId, bidBelowAsk: snapshot.bid <= snapshot.ask, close: snapshot.close > 0 }).toEqual({
        conId,
        bidBelowAsk: true,
        close: true,
      });
      const greeks = sim.model.optionGreeks(conId, NOW);
      const { frames, filedUnder, decoded } = report.optionComputations[String(conId)];
      // Below 156 (PRICE_BASED_VOLATILITY) IBKR's EDecoder reads: version, tickerId, tickType, then the values.
      expect(frames.every((fields) => fields[1] === '6')).toBe(true);
      const model = frames[frames.length - 1];
      expect({ conId, tickType: model[3], values: model.slice(4).map(Number) }).toEqual({
        conId,
        tickType: '13',
        values: [
          greeks.impliedVol,
          greeks.delta,
          greeks.optionPrice,
          0,
          greeks.gamma,
          greeks.vega,
          greeks.theta,
          greeks.underlyingPrice,
        ],
      });
      // ib-tws-api 1.3.0 reads the message id as the version, so it files the computation under the version (6)
      // and every value one field late: impliedVol is the tick type, delta the implied volatility, and so on.
      expect({ conId, filedUnder, decoded }).toEqual({
        conId,
        filedUnder: '6',
        decoded: {
          impliedVol: 13,
          delta: greeks.impliedVol,
          optPrice: greeks.delta,
          pvDividend: greeks.optionPrice,
          gamma: 0,
          vega: greeks.gamma,
          theta: greeks.vega,
          undPrice: greeks.theta,
        },
      });
    }
  });

  it('refuses a line past the limit (101), a second connection with the same client id (326), and has no reqPnL', () => {
    expect(report.lines).toHaveLength(LINE_LIMIT + 1);
    for (const line of report.lines.slice(0, LINE_LIMIT))
      expect(line).toEqual({ ticks: expect.any(Number), errors: [] });
    expect(report.lines.slice(0, LINE_LIMIT).every((line) => line.ticks > 0)).toBe(true);
    expect(report.lines[LINE_LIMIT].ticks).toBe(0);
    expect(report.lines[LINE_LIMIT].errors.map((error) => error.code)).toEqual([101]);
    expect(report.duplicateClientId.statuses.map((status) => status.code)).toEqual([326]);
    expect(report.duplicateClientId.closed).toBe(true);
    // reqPnL is a stub in ib-tws-api 1.3.0, so PnL is checked only by the other conformance client.
    expect(report.pnl).toBe('not implemented yet');
  });
});
