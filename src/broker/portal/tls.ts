import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CERT_PIN_MISMATCH, normaliseFingerprint, PinnedCertificateAgent } from './pinnedCertificate';

export type TlsVerification = 'plain_http' | 'system_ca' | 'ca_file' | 'pinned' | 'disabled';

export interface TlsSettings {
  baseUrl: string;
  /** PEM file with the certificate (or its CA) the gateway presents: IB_PORTAL_CA_FILE. */
  caFile?: string;
  /** SHA-256 fingerprint of the one certificate to trust, whatever its dates and names: IB_PORTAL_CERT_SHA256. */
  certSha256?: string;
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
  if (settings.certSha256 && (settings.caFile || settings.insecureTls)) {
    throw new Error(
      'IB_PORTAL_CERT_SHA256 is set together with IB_PORTAL_CA_FILE or IB_PORTAL_INSECURE_TLS=true: choose one way to trust the gateway',
    );
  }
  if (settings.certSha256) {
    const fingerprint = normaliseFingerprint(settings.certSha256);
    return { agent: new PinnedCertificateAgent(fingerprint, keepAlive), verification: 'pinned' };
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

/** The certificate is from no CA this process trusts. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Trusted or not, the certificate is out of date or names another host: no CA file can fix that. */
const INVALID_CERTIFICATE_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

const PIN_ADVICE =
  "set IB_PORTAL_CERT_SHA256 to the SHA-256 fingerprint of the gateway's certificate " +
  '(openssl x509 -noout -fingerprint -sha256 -in <its PEM>)';
const INSECURE_ADVICE = 'or IB_PORTAL_INSECURE_TLS=true to skip verification knowingly';

/**
 * A one-line explanation for a certificate failure that names the setting that fixes it, or undefined when the error
 * is not about the certificate.
 */
export function describeTlsFailure(error: NodeJS.ErrnoException, baseUrl: string): string | undefined {
  const code = error.code ?? '';
  const origin = new URL(baseUrl).origin;
  if (code === CERT_PIN_MISMATCH) {
    const presented = (error as { presented?: string }).presented || 'none';
    return (
      `TLS certificate of ${origin} has SHA-256 fingerprint ${presented}, not the one IB_PORTAL_CERT_SHA256 pins: ` +
      "set IB_PORTAL_CERT_SHA256 to the fingerprint of this gateway's certificate if it is the gateway you meant"
    );
  }
  if (INVALID_CERTIFICATE_CODES.has(code)) {
    return (
      `TLS certificate of ${origin} rejected (${code}): it is expired or names another host, which IB_PORTAL_CA_FILE ` +
      `cannot fix (the gateway's bundled certificate is both): ${PIN_ADVICE}, ${INSECURE_ADVICE}`
    );
  }
  if (!UNTRUSTED_CERTIFICATE_CODES.has(code)) return undefined;
  return (
    `TLS certificate of ${origin} rejected (${code}): ${PIN_ADVICE}, or IB_PORTAL_CA_FILE to a PEM of a valid ` +
    `certificate (or its CA) for this host, ${INSECURE_ADVICE}`
  );
}
