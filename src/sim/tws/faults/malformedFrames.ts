import { encodePayload, frameBuffer } from '../protocol/framing';
import { ReplyId } from '../protocol/messageIds';

export const MALFORMED_KINDS = [
  'unknownMessageId',
  'extraField',
  'missingField',
  'nonNumeric',
  'missingTrailingNul',
  'bogusLength',
  'badAdvancedRejectJson',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/**
 * Bytes for one malformed server message, as `@stoqey/ib` would see them:
 * - unknownMessageId: id 9999 → two 505 errors, decoding continues;
 * - extraField: currentTime with one field too many → 505 "unprocessed data", currentTime still emitted;
 * - missingField: tickPrice cut after the ticker id → 505 underrun, message dropped;
 * - nonNumeric: currentTime "abc" → currentTime(NaN);
 * - missingTrailingNul: the last NUL is missing, so the fragment glues onto the next message's id;
 * - bogusLength: the prefix announces 16 MB that never come → decoding stalls silently;
 * - badAdvancedRejectJson: error with invalid JSON → uncaught exception in the client (crash-guard tests only).
 */
export function malformedFrame(kind: MalformedKind, epochSeconds: number): Buffer {
  switch (kind) {
    case 'unknownMessageId':
      return frameBuffer(encodePayload([9999, 1, 'surprise']));
    case 'extraField':
      return frameBuffer(encodePayload([ReplyId.currentTime, 1, epochSeconds, 'extra']));
    case 'missingField':
      return frameBuffer(encodePayload([ReplyId.tickPrice, 6, 1]));
    case 'nonNumeric':
      return frameBuffer(encodePayload([ReplyId.currentTime, 1, 'abc']));
    case 'missingTrailingNul': {
      const payload = encodePayload([ReplyId.currentTime, 1, epochSeconds, '123']);
      return frameBuffer(payload.subarray(0, payload.length - 1));
    }
    case 'bogusLength':
      return frameBuffer(encodePayload([ReplyId.currentTime, 1, epochSeconds]), 0x00fffff0);
    case 'badAdvancedRejectJson':
      return frameBuffer(encodePayload([ReplyId.error, 2, 1, 201, 'Order rejected', '{not json']));
  }
}
