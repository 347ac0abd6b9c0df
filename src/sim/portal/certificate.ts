import { generate } from 'selfsigned';

export interface SelfSignedCertificate {
  /** PEM certificate: what a client trusts (IB_PORTAL_CA_FILE). */
  certPem: string;
  keyPem: string;
}

let cached: SelfSignedCertificate | undefined;

/**
 * A self-signed certificate for localhost / 127.0.0.1 / ::1, like the one the real gateway ships in vertx.jks.
 * Generating an RSA key in JavaScript takes about a second, so one certificate serves every fake in the process
 * unless a fresh one is asked for.
 */
export function selfSignedCertificate(fresh = false): SelfSignedCertificate {
  if (cached && !fresh) return cached;
  const result = generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: 30,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const certificate = { certPem: result.cert, keyPem: result.private };
  if (!fresh) cached = certificate;
  return certificate;
}
