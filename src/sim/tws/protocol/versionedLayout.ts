import { ReplyId } from './messageIds';
import { Frame } from './replies';
import { ServerVersion } from './serverVersions';

/**
 * Lays out a reply built in the newest layout for an older negotiated version, for the messages whose shape
 * changes between 157 and 193 without a builder that takes the version. Error messages only carry
 * advancedOrderRejectJson from 166 on; a client at an older version would read it as the start of the next message.
 */
export function layoutForVersion(frame: Frame, serverVersion: number): Frame {
  if (frame[0] === ReplyId.error && frame.length === 6 && serverVersion < ServerVersion.advancedOrderReject) {
    return frame.slice(0, 5);
  }
  return frame;
}
