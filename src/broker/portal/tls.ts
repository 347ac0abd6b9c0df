import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export type TlsVerification = 'plain_http' | 'system_ca' | 'ca_file' | 'disabled';

export interface TlsSettings {
  baseUrl: string;
  /** PEM file with the certificate (or its CA) the gateway presents: IB_PORTAL_CA_FILE. */
  caFile?: string;
  /** Explicit opt-in to skip verification: IB_PORTAL_INSECURE_TLS=true. */
  insecureTls?: boolean;
}

export interface TlsAgent {
  agent: HttpAgent | HttpsAgent;
  verification: TlsVerification;
}

/**
 * One keep-alive agent for the gateway's origin. Verification stays on unless insecureTls is set: trusting the
 * gateway's self-signed certificate is done by pointing caFile at it, never by the global NODE_TLS_REJECT_UNAUTHORIZED.
 */
export function createTlsAgent(settings: TlsSettings): TlsAgent {
  const url = new URL(settings.baseUrl);
  const keepAlive = { keepAlive: true, maxSockets: 4 };
  if (url.protocol === 'http:') return { agent: new HttpAgent(keepAlive), verification: 'plain_http' };
  if (url.protocol !== 'https:') throw new Error(`IB_PORTAL_URL must be http(s)://host:port, got ${settings.baseUrl}`);
  if (settings.caFile && settings.insecureTls) {
    throw new Error(
      'IB_PORTAL_CA_FILE and IB_PORTAL_INSECURE_TLS=true are both set: trust the CA file or skip TLS verification, not both',
    );
  }
  if (settings.insecureTls) {
    return { agent: new HttpsAgent({ ...keepAlive, rejectUnauthorized: false }), verification: 'disabled' };
  }
  if (settings.caFile) {
    let ca: Buffer;
    try {
      ca = readFileSync(settings.caFile);
    } catch (error) {
      throw new Error(`IB_PORTAL_CA_FILE=${settings.caFile} cannot be read: ${(error as Error).message}`);
    }
    if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error(`IB_PORTAL_CA_FILE=${settings.caFile} holds no PEM certificate`);
    }
    return { agent: new HttpsAgent({ ...keepAlive, ca }), verification: 'ca_file' };
  }
  return { agent: new HttpsAgent(keepAlive), verification: 'system_ca' };
}

const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** A one-line explanation for a certificate failure, or undefined when the error is not about the certificate. */
export function describeTlsFailure(error: NodeJS.ErrnoException, baseUrl: string): string | undefined {
  const code = error.code ?? '';
  if (!UNTRUSTED_CERTIFICATE_CODES.has(code)) return undefined;
  return (
    `TLS certificate of ${new URL(baseUrl).origin} rejected (${code}): set IB_PORTAL_CA_FILE to the gateway's ` +
    'certificate, or IB_PORTAL_INSECURE_TLS=true to skip verification knowingly'
  );
}
