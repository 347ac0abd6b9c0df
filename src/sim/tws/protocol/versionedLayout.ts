import { ReplyId } from './messageIds';
import { Frame } from './replies';
import { ServerVersion } from './serverVersions';

/** The message version IBKR's EDecoder needs (>= 6) to read gamma, vega, theta and undPrice below 156. */
const OPTION_COMPUTATION_VERSION = 6;

/**
 * Lays out a reply built in the newest layout for an older negotiated version, for the messages whose shape
 * changes between the oldest and newest supported versions without a builder that takes the version:
 * - error messages only carry advancedOrderRejectJson from 166 on; a client at an older version would read it as
 *   the start of the next message;
 * - tickOptionComputation starts with a version field below 156 and has no tickAttrib there
 *   (EDecoder.processTickOptionComputationMsg reads version, tickerId, tickType, then the values).
 */
export function layoutForVersion(frame: Frame, serverVersion: number): Frame {
  if (frame[0] === ReplyId.error && frame.length === 6 && serverVersion < ServerVersion.advancedOrderReject) {
    return frame.slice(0, 5);
  }
  if (frame[0] === ReplyId.tickOptionComputation && serverVersion < ServerVersion.priceBasedVolatility) {
    const [id, reqId, tickType, , ...values] = frame;
    return [id, OPTION_COMPUTATION_VERSION, reqId, tickType, ...values];
  }
  return frame;
}
