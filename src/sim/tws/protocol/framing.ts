/**
 * TWS API framing: after the client's `API\0` preamble, every message in both directions is a uint32 big-endian
 * length followed by NUL-terminated UTF-8 fields.
 */

export type Field = string | number;

/** Larger inbound frames are treated as garbage (a real client's biggest request is a few KB). */
export const MAX_INBOUND_FRAME = 1 << 20;

/** Java's Double.MAX_VALUE as TWS prints it: "unknown" for doubles. */
export const DOUBLE_MAX = '1.7976931348623157E308';

export function encodePayload(fields: readonly Field[]): Buffer {
  let text = '';
  for (const field of fields) text += `${field}\0`;
  return Buffer.from(text, 'utf8');
}

export function frameBuffer(payload: Buffer, declaredLength = payload.length): Buffer {
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32BE(declaredLength >>> 0, 0);
  payload.copy(frame, 4);
  return frame;
}

export function encodeFrame(fields: readonly Field[]): Buffer {
  return frameBuffer(encodePayload(fields));
}

/** A client broke the protocol; the connection is dropped with this message in the log. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

export type InboundEvent =
  { type: 'hello'; minVersion: number; maxVersion: number; options: string } | { type: 'message'; fields: string[] };

const PREAMBLE = Buffer.from('API\0', 'latin1');

/**
 * Incremental parser for what a client sends: the preamble once, then frames. Accepts any chunking (fragmented or
 * coalesced). Throws ProtocolViolation on input no TWS client would send.
 */
export class InboundParser {
  private buffer: Buffer = Buffer.alloc(0);
  private sawHello = false;

  push(chunk: Buffer): InboundEvent[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: InboundEvent[] = [];
    if (!this.sawHello) {
      const hello = this.readHello();
      if (!hello) return events;
      events.push(hello);
    }
    for (;;) {
      if (this.buffer.length < 4) break;
      const length = this.buffer.readUInt32BE(0);
      if (length === 0 || length > MAX_INBOUND_FRAME) {
        throw new ProtocolViolation(`frame length ${length} out of range (1..${MAX_INBOUND_FRAME})`);
      }
      if (this.buffer.length < 4 + length) break;
      const payload = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      events.push({ type: 'message', fields: splitFields(payload) });
    }
    return events;
  }

  private readHello(): InboundEvent | undefined {
    const prefix = Math.min(this.buffer.length, PREAMBLE.length);
    if (!this.buffer.subarray(0, prefix).equals(PREAMBLE.subarray(0, prefix))) {
      throw new ProtocolViolation(`bad preamble ${JSON.stringify(this.buffer.subarray(0, prefix).toString('latin1'))}`);
    }
    if (this.buffer.length < 8) return undefined;
    const length = this.buffer.readUInt32BE(4);
    if (length === 0 || length > 1024) throw new ProtocolViolation(`version string length ${length} out of range`);
    if (this.buffer.length < 8 + length) return undefined;
    const text = this.buffer
      .subarray(8, 8 + length)
      .toString('utf8')
      .replace(/\0+$/, '');
    this.buffer = this.buffer.subarray(8 + length);
    const match = /^v(\d+)(?:\.\.(\d+))?(?: (.*))?$/.exec(text);
    if (!match) throw new ProtocolViolation(`bad version string ${JSON.stringify(text.slice(0, 40))}`);
    this.sawHello = true;
    const minVersion = Number(match[1]);
    return { type: 'hello', minVersion, maxVersion: match[2] ? Number(match[2]) : minVersion, options: match[3] ?? '' };
  }
}

function splitFields(payload: Buffer): string[] {
  if (payload[payload.length - 1] !== 0) throw new ProtocolViolation('frame does not end with a NUL field terminator');
  return payload
    .subarray(0, payload.length - 1)
    .toString('utf8')
    .split('\0');
}
