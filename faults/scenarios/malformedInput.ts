import { MALFORMED_KINDS } from '../../src/sim/tws/faults/malformedFrames';
import { eventually, sleep } from '../../harness/poll';
import type { FaultContext } from '../lib/environment';
import { FaultStack } from '../lib/faultStack';
import type { ScenarioReport } from '../lib/report';
import type { Scenario } from '../lib/scenario';

const GREEKS_MAX_AGE_MS = 3000;
const UNSOLICITED = ['tickForUnknownReqId', 'repeatedPositionEnd', 'duplicateNextValidId'] as const;
const pick = <T>(ctx: FaultContext, list: readonly T[]): T => list[Math.floor(ctx.random() * list.length)];

/** Rows whose Greeks are not finite numbers: garbage that got through. */
async function nonFiniteRows(stack: FaultStack, workflowId: string): Promise<number> {
  const result = await stack.sql.query(
    `select count(*)::int as n from portfolio_greeks where workflow_id = $1 and not (
       net_delta::text not in ('NaN', 'Infinity', '-Infinity') and net_gamma::text not in ('NaN', 'Infinity', '-Infinity')
       and net_vega::text not in ('NaN', 'Infinity', '-Infinity') and net_theta::text not in ('NaN', 'Infinity', '-Infinity'))`,
    [workflowId],
  );
  return result.rows[0].n as number;
}

/** Runs `rounds` random injections against one worker, then checks it survived and kept good data. */
async function underFire(
  ctx: FaultContext,
  report: ScenarioReport,
  stack: FaultStack,
  label: string,
  rounds: number,
  inject: (round: number) => Promise<string>,
): Promise<void> {
  const worker = await stack.startWorker({ GREEKS_MAX_AGE_MS: String(GREEKS_MAX_AGE_MS) });
  const handle = await stack.startWorkflow();
  const id = handle.workflowId;
  await eventually(
    () => stack.rowCount(id),
    (n) => n >= 10,
    90_000,
    `${label}: first rows`,
  );
  const minCoverage = await stack.steadyCoverage(id);
  const rowsBefore = await stack.rowCount(id);
  const kinds: Record<string, number> = {};
  for (let round = 1; round <= rounds; round += 1) {
    const kind = await inject(round);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    await sleep(300 + ctx.random() * 1200);
  }
  ctx.log(`  ${label}: ${rounds} bad inputs sent`);
  const recoveryMs = await stack.waitFreshRow(id, Date.now() + GREEKS_MAX_AGE_MS, minCoverage);
  report.check(`${label}: ${rounds} bad inputs injected`, true, JSON.stringify(kinds));
  report.check(`${label}: worker never crashed`, worker.alive() && stack.workers.length === 1, `pid ${worker.pid}`);
  report.check(
    `${label}: good data kept, fresh Greeks at full coverage afterwards`,
    (await stack.rowCount(id)) > rowsBefore,
    `${(recoveryMs / 1000).toFixed(1)} s after the last bad input`,
  );
  report.check(`${label}: no NaN or infinite Greeks stored`, (await nonFiniteRows(stack, id)) === 0);
  await stack.finish(handle, report, label);
}

/** Malformed frames from the gateway (SOCKET) and malformed HTTP bodies (PORTAL), at random. */
export const malformedInput: Scenario = {
  id: 'malformed-input',
  title: 'malformed frames and HTTP bodies at random',
  proves:
    'garbage from the gateway (bad frames, fuzzed frames, unsolicited messages, truncated or invalid JSON, unparseable values, reset connections) never crashes the worker, is logged with a reason, and good data keeps flowing',
  async run(ctx, report) {
    const rounds = ctx.quick ? 8 : 60;
    const socket = await FaultStack.start(ctx, { name: 'malformed-socket' });
    try {
      // One bogus frame length stalls decoding until the heartbeat timeout: once, in the middle.
      const bogusAt = Math.ceil(rounds / 2);
      await underFire(ctx, report, socket, 'SOCKET', rounds, async (round) => {
        const control = socket.simulator.control;
        if (round === bogusAt) {
          control.sendMalformed({ kind: 'bogusLength' });
          return 'bogusLength';
        }
        const choice = ctx.random();
        if (choice < 0.5) {
          const kind = pick(
            ctx,
            MALFORMED_KINDS.filter((k) => k !== 'bogusLength'),
          );
          control.sendMalformed({ kind });
          return kind;
        }
        if (choice < 0.8) {
          control.sendFuzzedFrames({ count: 200 + Math.floor(ctx.random() * 1800), seed: round });
          return 'fuzzed frames';
        }
        const kind = pick(ctx, UNSOLICITED);
        control.sendUnsolicited({ kind });
        return kind;
      });
      const logged = socket.workers[0].lines.filter((line) => /"level":(40|50)/.test(line)).length;
      const badInputRows = (report.apiLogCounts.bad_input ?? 0) + (report.apiLogCounts.error ?? 0);
      report.check(
        'SOCKET: bad input logged with a reason',
        logged > 0 && badInputRows > 0,
        `${logged} warn/error log lines, ${badInputRows} api_logs rows`,
      );
    } finally {
      await socket.close();
    }

    const portal = await FaultStack.start(ctx, { name: 'malformed-portal', mode: 'PORTAL' });
    try {
      const before = report.apiLogCounts.bad_input ?? 0;
      await underFire(ctx, report, portal, 'PORTAL', rounds, async () => {
        const control = portal.portal!.control;
        const choice = ctx.random();
        const pathPrefix = pick(ctx, ['/iserver/marketdata/snapshot', '/portfolio', undefined]);
        if (choice < 0.35) {
          const kind = ctx.random() < 0.5 ? 'truncated' : 'invalid';
          control.corruptResponses(kind, { count: 1 + Math.floor(ctx.random() * 2), pathPrefix });
          return `${kind} JSON`;
        }
        if (choice < 0.7) {
          const conIds = control.subscribedConIds();
          const conId = pick(ctx, conIds);
          control.setFieldOverrides(conId, { '7308': pick(ctx, ['1.2.3', 'N/A', '', '--', 'NaN']), '31': 'abc' });
          setTimeout(() => control.setFieldOverrides(conId, null), 1500).unref();
          return 'unparseable values';
        }
        control.resetConnections({ count: 1, pathPrefix });
        return 'connection reset';
      });
      const badInputRows = (report.apiLogCounts.bad_input ?? 0) - before;
      report.check('PORTAL: bad input logged with a reason', badInputRows > 0, `${badInputRows} bad_input rows`);
    } finally {
      await portal.close();
    }
  },
};
