import { Field, encodeFrame } from '../protocol/framing';
import { ReplyId } from '../protocol/messageIds';

/**
 * Random mutations of well-formed server frames, for fuzzing a client. The message id is kept (a random id can
 * select decoders for messages the simulator never sends) and every frame stays well delimited (length prefix and
 * trailing NUL), so each mutation hits exactly one message. Error messages are never mutated: their JSON field can
 * crash `@stoqey/ib` by design (see malformedFrames' badAdvancedRejectJson).
 */

const GARBAGE: readonly string[] = [
  '',
  'abc',
  'NaN',
  '-',
  '1e999',
  '-1',
  '-2',
  '1.7976931348623157E308',
  '0x1F',
  ' 12 ',
  '∞',
  '😀',
  '9'.repeat(40),
  ',,,',
];

function randomGarbage(random: () => number): string {
  if (random() < 0.6) return GARBAGE[Math.floor(random() * GARBAGE.length)];
  const length = Math.floor(random() * 12);
  let text = '';
  for (let i = 0; i < length; i += 1) text += String.fromCharCode(32 + Math.floor(random() * 95));
  return text;
}

export function mutateFields(fields: readonly Field[], random: () => number): Field[] {
  const result = fields.map(String);
  const pick = () => 1 + Math.floor(random() * Math.max(1, result.length - 1));
  const operations = 1 + Math.floor(random() * 3);
  for (let op = 0; op < operations; op += 1) {
    const choice = random();
    if (choice < 0.3 && result.length > 1) result[pick()] = randomGarbage(random);
    else if (choice < 0.5 && result.length > 2) result.splice(pick(), 1);
    else if (choice < 0.65) result.splice(pick(), 0, randomGarbage(random));
    else if (choice < 0.8 && result.length > 2) result.length = 1 + Math.floor(random() * (result.length - 1));
    else if (result.length > 2) {
      const a = pick();
      const b = pick();
      [result[a], result[b]] = [result[b], result[a]];
    } else result.push(randomGarbage(random));
  }
  return result;
}

/** Base frames shaped like real traffic (ids, versions, field counts), to be mutated. */
export function fuzzBaseFrames(reqId: number, epochSeconds: number): Field[][] {
  return [
    [ReplyId.tickPrice, 6, reqId, 1, 1.25, 10, 0],
    [ReplyId.tickSize, 6, reqId, 0, 10],
    [ReplyId.tickOptionComputation, reqId, 13, 0, 0.3, 0.5, 2.1, 0, 0.02, 0.15, -0.05, 190.1],
    [ReplyId.tickReqParams, reqId, '0.01', '9c0001', 3],
    [ReplyId.marketDataType, 1, reqId, 1],
    [ReplyId.tickSnapshotEnd, 1, reqId],
    [
      ReplyId.position,
      3,
      'DU1234567',
      700001,
      'AAPL',
      'OPT',
      '20260320',
      190,
      'C',
      100,
      '',
      'USD',
      'AAPL  260320C00190000',
      'AAPL',
      5,
      512.3,
    ],
    [ReplyId.positionEnd, 1],
    [ReplyId.updateAccountValue, 2, 'NetLiquidation', '250000.00', 'USD', 'DU1234567'],
    [ReplyId.updateAccountTime, 1, '12:00'],
    [ReplyId.accountDownloadEnd, 1, 'DU1234567'],
    [ReplyId.accountSummary, 1, reqId, 'DU1234567', 'NetLiquidation', '250000.00', 'USD'],
    [ReplyId.accountSummaryEnd, 1, reqId],
    [ReplyId.pnl, reqId, 12.5, -3.25, 0],
    [ReplyId.pnlSingle, reqId, 5, 12.5, -3.25, 0, 1000],
    [ReplyId.currentTime, 1, epochSeconds],
    [ReplyId.nextValidId, 1, 1],
    [ReplyId.managedAccounts, 1, 'DU1234567,DU7654321'],
  ];
}

export function fuzzedFrames(count: number, random: () => number, reqId: number, epochSeconds: number): Buffer[] {
  const bases = fuzzBaseFrames(reqId, epochSeconds);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = bases[Math.floor(random() * bases.length)];
    frames.push(encodeFrame(mutateFields(base, random)));
  }
  return frames;
}
