// Drives the npm package ib-tws-api (an independent ES-module port of IBKR's Python client, offering v100..151)
// against a TWS simulator and prints one JSON report on stdout. Run by test/conformance/ibTwsApiConformance.test.ts:
//   node ibTwsApiClient.mjs --port <n> --client-id <n> --account <id> --line-limit <n> --stream-con-id <conId>
//
// Everything reported is what the package itself decoded, through its public methods. Where the package keeps a
// decoded value only in a private field (the negotiated version, the order id, option computations, for which it
// emits no event) or prints a message it does not decode ("... message handler is not implemented yet"), the
// report reads that field or records the printout, and says so.
import console from 'node:console';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { Client } from 'ib-tws-api';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    account: { type: 'string' },
    'line-limit': { type: 'string' },
    'stream-con-id': { type: 'string' },
  },
});
const port = Number(args.port);
const clientId = Number(args['client-id']);
const lineLimit = Number(args['line-limit']);
const streamConId = Number(args['stream-con-id']);

/** Message ids as IBKR numbers them (EDecoder). */
const ACCT_VALUE = 6;
const PORTFOLIO_VALUE = 7;
const ACCT_UPDATE_TIME = 8;
const MANAGED_ACCTS = 15;
const TICK_OPTION_COMPUTATION = 21;
const ACCT_DOWNLOAD_END = 54;

const report = { steps: [] };

function finish(code) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
  // The package has no disconnect(); exiting closes its sockets.
  process.exit(code);
}

// A stuck step must not leave the test waiting for Jest's timeout: report how far we got.
setTimeout(() => {
  report.failure = `watchdog: stuck after ${report.steps.join(', ') || 'nothing'}`;
  finish(1);
}, 60_000).unref();

// The package prints the messages it does not decode with console.log (name, then the fields); keep stdout for JSON.
const notDecoded = [];
console.log = (...values) => {
  const [first] = values;
  const match = typeof first === 'string' ? /^(\w+) message handler is not implemented yet$/.exec(first) : null;
  if (match) notDecoded.push(match[1]);
};

/** Waits until `check` returns something, polling the package's state. */
async function until(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Starts connecting and observes what the package's framing hands to its decoder, message by message. */
function connecting(client) {
  const received = [];
  const statuses = [];
  const state = { closed: false, received, statuses };
  const done = client.connect();
  // connect() sets up its socket and framer synchronously; no byte can arrive before this line runs. The copy is
  // taken ahead of the package's own handlers, which consume the field array as they decode it.
  client._protocolBytes._emitter.prependListener('message_fieldset', (fields) => received.push([...fields]));
  client._emitter.on('error', (error) => {
    if (error && error.code !== undefined) statuses.push({ code: Number(error.code), message: error.message });
  });
  client._emitter.on('close', () => {
    state.closed = true;
  });
  state.done = done;
  return state;
}

async function main() {
  const client = new Client({ host: '127.0.0.1', port, clientId, timeoutMs: 15_000 });
  const session = connecting(client);
  await session.done;
  report.steps.push('connect');
  report.serverVersion = client._serverVersion;
  report.nextValidId = client._nextValidId;
  report.managedAccounts = session.received.find((fields) => Number(fields[0]) === MANAGED_ACCTS)?.[2].split(',');

  // The startup requests the package offers (reqExecutions, reqCompletedOrders and reqManagedAccts are stubs).
  report.currentTime = await client.getCurrentTime();
  report.openOrders = await client.getOpenOrders();
  report.allOpenOrders = await client.getAllOpenOrders();
  await client.reqAutoOpenOrders(false);
  await client.reqMarketDataType(1);
  report.steps.push('startup');

  const positions = await client.getPositions();
  report.positions = Object.values(positions).map(({ contract, position, avgCost }) => ({
    conId: contract.conId,
    secType: contract.secType,
    multiplier: contract.multiplier,
    exchange: contract.exchange,
    position,
    avgCost,
  }));
  report.steps.push('positions');

  // Account and portfolio values: sent by the gateway, framed by the package, decoded by none of its handlers.
  const accountFrom = session.received.length;
  await client.reqAccountUpdates({ subscribe: true, accountCode: args.account });
  await until(
    () => session.received.slice(accountFrom).some((fields) => Number(fields[0]) === ACCT_DOWNLOAD_END),
    'accountDownloadEnd',
  );
  const accountMessages = session.received.slice(accountFrom);
  const ofType = (id) => accountMessages.filter((fields) => Number(fields[0]) === id);
  report.accountValues = ofType(ACCT_VALUE).map(([, , key, value, currency, account]) => ({
    key,
    value,
    currency,
    account,
  }));
  report.portfolioMessages = ofType(PORTFOLIO_VALUE).length;
  report.accountTimeMessages = ofType(ACCT_UPDATE_TIME).length;
  report.accountDownloadEnd = ofType(ACCT_DOWNLOAD_END).map((fields) => fields[2]);
  report.steps.push('accountUpdates');

  report.contractDetails = {};
  for (const { conId } of report.positions) {
    const [details] = await client.getContractDetails({ conId });
    report.contractDetails[conId] = {
      conId: details.contract.conId,
      secType: details.contract.secType,
      exchange: details.contract.exchange,
      multiplier: details.contract.multiplier,
      underConId: details.underConId,
      mdSizeMultiplier: details.mdSizeMultiplier,
      realExpirationDate: details.realExpirationDate,
    };
  }
  report.steps.push('contractDetails');

  // One snapshot per option on its listing exchange. The package files option computations under the id it reads
  // from the field after the message id, and keeps them only in that id's private storage.
  report.snapshots = {};
  report.optionComputations = {};
  for (const { conId, secType } of report.positions) {
    if (secType !== 'OPT' && secType !== 'FOP') continue;
    const exchange = report.contractDetails[conId].exchange;
    const computationsFrom = session.received.length;
    const ticker = await client.getMarketDataSnapshot({ contract: { conId, exchange } });
    report.snapshots[conId] = { bid: ticker.bid, ask: ticker.ask, last: ticker.last, close: ticker.close };
    const frames = session.received
      .slice(computationsFrom)
      .filter((fields) => Number(fields[0]) === TICK_OPTION_COMPUTATION);
    const filedUnder = frames.length > 0 ? frames[frames.length - 1][1] : undefined;
    const stored = filedUnder === undefined ? undefined : client._incomeHandler._bus._requestIdData[filedUnder];
    report.optionComputations[conId] = {
      frames,
      filedUnder,
      decoded: stored ? { ...stored.storageMap } : null,
    };
  }
  report.steps.push('marketData');

  // Streaming lines up to the simulator's limit, then one more: the gateway answers it with 101.
  report.lines = [];
  for (let line = 0; line <= lineLimit; line += 1) {
    const stream = await client.streamMarketData({ contract: { conId: streamConId, exchange: 'SMART' } });
    const seen = { ticks: 0, errors: [] };
    stream.on('tick', () => (seen.ticks += 1));
    stream.on('error', (error) => seen.errors.push({ code: Number(error.code), message: error.message }));
    report.lines.push(seen);
  }
  await until(
    () => report.lines.every((seen) => seen.ticks > 0 || seen.errors.length > 0),
    'a first tick or an error on every line',
  );
  report.steps.push('lines');

  try {
    await client.reqPnL();
    report.pnl = 'implemented';
  } catch (error) {
    report.pnl = error.message;
  }

  // A second connection with the same client id: the gateway answers 326 and closes it.
  const duplicate = new Client({ host: '127.0.0.1', port, clientId, timeoutMs: 15_000 });
  const second = connecting(duplicate);
  second.done.catch(() => undefined);
  await until(() => second.closed, 'the duplicate connection to be closed');
  report.duplicateClientId = { statuses: second.statuses, closed: second.closed };
  report.steps.push('duplicateClientId');

  report.statuses = session.statuses;
  report.notDecoded = [...new Set(notDecoded)].sort();
  finish(0);
}

main().catch((error) => {
  report.failure = error instanceof Error ? error.message : String(error);
  finish(1);
});
