import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isOption } from '../../src/sim/model';
import { startTwsSimulator, type TwsSimulator } from '../../src/sim/tws';

const run = promisify(execFile);
const CLIENT_DIR = join(__dirname, 'twsclient');
const CLIENT_ID = 17;
const LINE_LIMIT = 60;
const NOW = Date.UTC(2026, 2, 2, 15, 30, 0);

interface Report {
  serverVersion: number;
  managedAccounts: string[];
  nextValidId: number;
  statusCodes: number[];
  startupEnds: Record<string, boolean>;
  positions: Array<{
    account: string;
    conId: number;
    secType: string;
    multiplier: number;
    exchange: string;
    quantity: number;
    avgCost: number;
  }>;
  portfolio: Array<{ conId: number; position: number; marketPrice: number; marketValue: number; account: string }>;
  accountValues: Record<string, string>;
  contractDetails: Record<
    string,
    { conId: number; secType: string; exchange: string; multiplier: number; underConId: number }
  >;
  greeks: Record<
    string,
    {
      tickType: number;
      impliedVol: number;
      delta: number;
      optPrice: number;
      gamma: number;
      vega: number;
      theta: number;
      undPrice: number;
    }
  >;
  pnl: { daily: number; unrealized: number; realized: number };
  duplicateClientId: { code: number } | null;
  duplicateClientIdClosed: boolean;
  lineLimit: { id: number; code: number } | null;
  linesGranted: number;
  errors: Array<{ id: number; code: number; text: string }> | null;
  protocolErrors: string[] | null;
  unknownMessages: number[] | null;
}

/** Builds the Go client once per source version into .tools (ignored by git); CI has Go, as the Temporal CLI needs it. */
function buildClient(): string {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'the TWS conformance test needs Go (1.22 or newer) on PATH to build its client in test/conformance/twsclient',
    );
  }
  const hash = createHash('sha256');
  for (const file of readdirSync(CLIENT_DIR).sort()) hash.update(file).update(readFileSync(join(CLIENT_DIR, file)));
  const outDir = join(__dirname, '..', '..', '.tools', 'twsclient');
  const binary = join(outDir, `twsclient-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(outDir, { recursive: true });
  const build = spawnSync('go', ['build', '-o', binary, '.'], { cwd: CLIENT_DIR, encoding: 'utf8', timeout: 180_000 });
  if (build.status !== 0) throw new Error(`building the Go TWS client failed: ${build.stderr || build.error?.message}`);
  return binary;
}

/**
 * A TWS client the adapter's code has no part in: written in Go from IBKR's API documentation, offering v157..178
 * (the range of a widely used Python client). It connects to the simulator as a user's own client would, and every
 * figure it reports is compared with the simulator's model.
 */
describe('TWS conformance: an independently written client at its own version range', () => {
  let sim: TwsSimulator;
  let report: Report;

  beforeAll(async () => {
    const binary = buildClient();
    sim = await startTwsSimulator({
      seed: 5,
      clock: () => NOW,
      settings: { lineLimit: LINE_LIMIT, tickIntervalMs: 60_000 },
    });
    const { stdout } = await run(
      binary,
      ['-port', String(sim.port), '-client-id', String(CLIENT_ID), '-versions', 'v157..178'],
      {
        timeout: 120_000,
      },
    );
    report = JSON.parse(stdout) as Report;
  }, 300_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('negotiates 178, greets with accounts, an order id and farm status, and answers every startup request', () => {
    expect(report.serverVersion).toBe(178);
    expect(report.managedAccounts).toEqual(sim.model.accounts().map((account) => account.id));
    expect(report.nextValidId).toBe(1);
    expect(report.statusCodes).toEqual(expect.arrayContaining([2104, 2106, 2158]));
    expect(report.startupEnds).toEqual({
      positionEnd: true,
      openOrderEnd: true,
      completedOrdersEnd: true,
      execDetailsEnd: true,
      accountDownloadEnd: true,
    });
    // Every message decoded field for field at 178: nothing left over, nothing missing, no unknown message.
    expect(report.protocolErrors ?? []).toEqual([]);
    expect(report.unknownMessages ?? []).toEqual([]);
  });

  it('reports every position, and portfolio and account values that agree with each other', () => {
    const expected = sim.model
      .positions()
      .map((row) => ({ account: row.account, conId: row.conId, quantity: row.quantity, avgCost: row.avgCost }));
    const got = report.positions.map(({ account, conId, quantity, avgCost }) => ({
      account,
      conId,
      quantity,
      avgCost,
    }));
    expect(got).toEqual(expected);
    for (const position of report.positions) {
      const contract = sim.model.contract(position.conId)!;
      expect(position.exchange).toBe('');
      expect(position.multiplier).toBe(contract.secType === 'STK' ? 0 : contract.multiplier);
    }
    const account = report.managedAccounts[0];
    expect(report.portfolio.map((row) => row.conId)).toEqual(sim.model.positions(account).map((row) => row.conId));
    for (const row of report.portfolio) {
      expect(row.marketValue).toBe(sim.model.positionValuation(sim.model.position(account, row.conId)!).marketValue);
    }
    const value = (key: string) => Number(report.accountValues[`${account}/${key}/USD`]);
    const portfolioValue = report.portfolio.reduce((sum, row) => sum + row.marketValue, 0);
    expect(value('NetLiquidation')).toBeCloseTo(value('TotalCashValue') + portfolioValue, 1);
    expect(value('NetLiquidation')).toBeCloseTo(sim.model.accountValuation(account).netLiquidation, 2);
    expect(value('ExcessLiquidity')).toBeCloseTo(value('EquityWithLoanValue') - value('MaintMarginReq'), 1);
    expect(value('AvailableFunds')).toBeCloseTo(value('EquityWithLoanValue') - value('InitMarginReq'), 1);
  });

  it('gets contract details for every position and model Greeks for every option on its listing exchange', () => {
    for (const row of sim.model.positions()) {
      const contract = sim.model.contract(row.conId)!;
      const details = report.contractDetails[String(row.conId)];
      expect({ conId: row.conId, exchange: details?.exchange, underConId: details?.underConId }).toEqual({
        conId: row.conId,
        exchange: contract.exchange,
        underConId: isOption(contract) ? contract.underConId : 0,
      });
      if (!isOption(contract)) continue;
      const greeks = sim.model.optionGreeks(row.conId, NOW);
      expect(report.greeks[String(row.conId)]).toEqual({
        tickType: 13,
        impliedVol: greeks.impliedVol,
        delta: greeks.delta,
        optPrice: greeks.optionPrice,
        gamma: greeks.gamma,
        vega: greeks.vega,
        theta: greeks.theta,
        undPrice: greeks.underlyingPrice,
      });
    }
  });

  it('streams account PnL equal to the model', () => {
    const valuation = sim.model.accountValuation(report.managedAccounts[0]);
    expect(report.pnl).toEqual({
      daily: valuation.dailyPnl,
      unrealized: valuation.unrealizedPnl,
      realized: valuation.realizedPnl,
    });
  });

  it('speaks the older layouts too: at v157..163 contract details carry their version and size fields', async () => {
    const { stdout } = await run(
      buildClient(),
      ['-port', String(sim.port), '-client-id', String(CLIENT_ID + 1), '-versions', 'v157..163'],
      { timeout: 120_000 },
    );
    const older = JSON.parse(stdout) as Report;
    expect(older.serverVersion).toBe(163);
    expect(older.protocolErrors ?? []).toEqual([]);
    expect(older.unknownMessages ?? []).toEqual([]);
    expect(Object.keys(older.contractDetails).sort()).toEqual(Object.keys(report.contractDetails).sort());
    expect(older.greeks).toEqual(report.greeks);
  });

  it('refuses a second connection with the same client id (326) and a line past the limit (101)', () => {
    expect(report.duplicateClientId?.code).toBe(326);
    expect(report.duplicateClientIdClosed).toBe(true);
    expect(report.lineLimit?.code).toBe(101);
    expect(report.linesGranted).toBe(LINE_LIMIT);
    expect((report.errors ?? []).map((error) => error.code)).toEqual([101]);
  });
});
