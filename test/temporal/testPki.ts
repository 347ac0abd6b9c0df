import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';

/** node-forge, which selfsigned depends on: Node can make keys but not sign certificates. */
interface Forge {
  pki: {
    createCertificate(): ForgeCertificate;
    certificateToPem(certificate: ForgeCertificate): string;
    certificateFromPem(pem: string): ForgeCertificate;
    privateKeyFromPem(pem: string): unknown;
    publicKeyFromPem(pem: string): unknown;
  };
  md: { sha256: { create(): unknown } };
}
interface ForgeCertificate {
  publicKey: unknown;
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  subject: { attributes: unknown[] };
  setSubject(attributes: { name: string; value: string }[]): void;
  setIssuer(attributes: unknown[]): void;
  setExtensions(extensions: Record<string, unknown>[]): void;
  sign(key: unknown, digest: unknown): void;
}

export interface Issued {
  certPem: string;
  keyPem: string;
}

const forge = createRequire(require.resolve('selfsigned'))('node-forge') as Forge;
let serial = 1;

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function issue(commonName: string, extensions: Record<string, unknown>[], issuer: Issued | null): Issued {
  const keys = keyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  certificate.serialNumber = (serial++).toString(16).padStart(2, '0');
  // Valid from a day ago for a year: the test does not depend on today's date beyond that.
  certificate.validity.notBefore = new Date(Date.now() - 86_400_000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer(
    issuer
      ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes
      : [{ name: 'commonName', value: commonName }],
  );
  certificate.setExtensions(extensions);
  certificate.sign(forge.pki.privateKeyFromPem(issuer ? issuer.keyPem : keys.privatePem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem: keys.privatePem };
}

/** A test certificate authority, a server certificate for 127.0.0.1/localhost and client certificates it signs. */
export function testAuthority(name: string) {
  const ca = issue(
    `${name} test CA`,
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
    null,
  );
  return {
    ca,
    server: () =>
      issue(
        'localhost',
        [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: [
              { type: 2, value: 'localhost' },
              { type: 7, ip: '127.0.0.1' },
            ],
          },
        ],
        ca,
      ),
    client: (commonName: string) =>
      issue(
        commonName,
        [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
        ca,
      ),
  };
}
