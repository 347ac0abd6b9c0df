import type { Duplex } from 'node:stream';
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** The error code of a certificate whose fingerprint is not the pinned one. */
export const CERT_PIN_MISMATCH = 'ERR_IB_PORTAL_CERT_PIN_MISMATCH';

/**
 * "AB:CD:…" or "abcd…" (64 hex digits, colons and spaces allowed) → the colon-separated upper-case form Node reports as
 * fingerprint256. Throws a one-line error naming the setting when the text is no SHA-256 fingerprint.
 */
export function normaliseFingerprint(raw: string): string {
  const hex = raw.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(
      `IB_PORTAL_CERT_SHA256 must be a SHA-256 fingerprint (64 hex digits, colons allowed), got ${hex.length} characters`,
    );
  }
  return hex.toUpperCase().match(/../g)!.join(':');
}

/**
 * An HTTPS agent that trusts exactly one certificate, whatever its dates, issuer and names: the one whose SHA-256
 * fingerprint is pinned. The gateway ships a self-signed certificate that is long expired and names no host, which no
 * CA file can make valid; the fingerprint is checked before the socket is handed to a request, so no byte of a request
 * (cookies included) reaches a server presenting any other certificate.
 */
export class PinnedCertificateAgent extends HttpsAgent {
  constructor(
    private readonly fingerprint: string,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (!callback) throw new Error('PinnedCertificateAgent needs the callback form of createConnection');
    // Chain and name checks are replaced by the pin: the fingerprint names one certificate exactly.
    const socket: TLSSocket = connect({ ...(options as ConnectionOptions), rejectUnauthorized: false });
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      socket.off('error', settle);
      if (error) {
        socket.destroy();
        callback(error, socket);
      } else callback(null, socket);
    };
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256 ?? '';
      if (presented === this.fingerprint) settle(null);
      else
        settle(
          Object.assign(new Error(`certificate fingerprint ${presented || 'none'}`), {
            code: CERT_PIN_MISMATCH,
            presented,
          }),
        );
    });
    socket.on('error', settle);
    return undefined;
  }
}
