import { createRequire } from 'node:module';
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

let cachedBundled: SelfSignedCertificate | undefined;

/** The parts of node-forge used here (selfsigned's own dependency: it cannot issue an already expired certificate). */
interface Forge {
  pki: {
    rsa: { generateKeyPair(bits: number): { publicKey: unknown; privateKey: unknown } };
    createCertificate(): ForgeCertificate;
    certificateToPem(certificate: ForgeCertificate): string;
    privateKeyToPem(key: unknown): string;
  };
  md: { sha256: { create(): unknown } };
}
interface ForgeCertificate {
  publicKey: unknown;
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  setSubject(attributes: { name: string; value: string }[]): void;
  setIssuer(attributes: { name: string; value: string }[]): void;
  setExtensions(extensions: Record<string, unknown>[]): void;
  sign(key: unknown, digest: unknown): void;
}

/**
 * Like the certificate the Client Portal Gateway ships in its bundle: self-signed, CN "Client Portal Web API", no
 * subject alternative names, and expired since 2019. Verified as a CA it fails on its dates and on any host name;
 * only a pinned fingerprint (or no verification) accepts it.
 */
export function gatewayBundledCertificate(): SelfSignedCertificate {
  if (cachedBundled) return cachedBundled;
  const forge = createRequire(require.resolve('selfsigned'))('node-forge') as Forge;
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.UTC(2018, 5, 1));
  certificate.validity.notAfter = new Date(Date.UTC(2019, 5, 1));
  const subject = [{ name: 'commonName', value: 'Client Portal Web API' }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([{ name: 'basicConstraints', cA: true }]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  cachedBundled = {
    certPem: forge.pki.certificateToPem(certificate),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
  return cachedBundled;
}
