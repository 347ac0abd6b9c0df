import { writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createPortalBroker } from '../../../src/broker/portal';
import { startPortalPair, waitFor, type PortalPair } from './portalHarness';

describe('PORTAL TLS: verification on unless explicitly, loudly, turned off', () => {
  let pair: PortalPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('rejects the self-signed certificate without a CA file, with a clear error', async () => {
    pair = await startPortalPair({ trustCa: false });
    await expect(pair.broker.waitUntilReady(2000)).rejects.toThrow(
      /TLS certificate of https:\/\/localhost:\d+ rejected \(\w+\): set IB_PORTAL_CERT_SHA256 .*IB_PORTAL_CA_FILE/,
    );
    const event = await waitFor(() => pair!.eventsOf('disconnected')[0], 'disconnected event');
    expect(event.details?.kind).toBe('tls');
    expect(pair.broker.state()).toBe('down');
    expect(pair.fake.control.requests()).toHaveLength(0);
  });

  it('rejects a certificate the CA file does not vouch for', async () => {
    pair = await startPortalPair({ fake: { freshCertificate: true }, trustCa: false, start: false });
    // A CA file holding some other certificate: still rejected.
    const otherCa = join(pair.caFile, '..', 'other.pem');
    const { selfSignedCertificate } = await import('../../../src/sim/portal/certificate');
    writeFileSync(otherCa, selfSignedCertificate().certPem);
    const broker = createPortalBroker({ baseUrl: pair.fake.url, caFile: otherCa });
    broker.start();
    try {
      await expect(broker.waitUntilReady(2000)).rejects.toThrow(/rejected .*IB_PORTAL_CA_FILE/);
    } finally {
      await broker.stop();
    }
  });

  it('trusts the gateway through IB_PORTAL_CA_FILE', async () => {
    pair = await startPortalPair();
    await pair.broker.waitUntilReady(20_000);
    expect(pair.eventsOf('connected')[0].details?.tlsVerification).toBe('ca_file');
    expect(pair.logger.lines.filter((line) => line.level === 'warn')).toHaveLength(0);
  });

  it('connects with the insecure opt-in and warns exactly once', async () => {
    pair = await startPortalPair({ trustCa: false, broker: { insecureTls: true } });
    await pair.broker.waitUntilReady(20_000);
    await pair.broker.reconnect('test');
    await pair.broker.waitUntilReady(20_000);
    const warnings = pair.logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/TLS certificate verification is DISABLED/);
    const flagged = pair.events.filter((event) => event.details?.warning === 'tls_verification_disabled');
    expect(flagged).toHaveLength(1);
  });

  it('speaks plain HTTP when the URL says http://', async () => {
    pair = await startPortalPair({ fake: { tls: false } });
    await pair.broker.waitUntilReady(20_000);
    expect(pair.eventsOf('connected')[0].details?.tlsVerification).toBe('plain_http');
  });

  it("verifies the gateway's own certificate (self-signed, expired, no host names) by its pinned fingerprint", async () => {
    const { gatewayBundledCertificate } = await import('../../../src/sim/portal/certificate');
    const pinned = new X509Certificate(gatewayBundledCertificate().certPem).fingerprint256;
    pair = await startPortalPair({
      fake: { certificate: 'gatewayBundled' },
      trustCa: false,
      // Written the way `openssl x509 -fingerprint` users often paste it: lower case without colons.
      broker: { certSha256: pinned.replace(/:/g, '').toLowerCase() },
    });
    await pair.broker.waitUntilReady(20_000);
    expect(pair.eventsOf('connected')[0].details?.tlsVerification).toBe('pinned');
  });

  it("names IB_PORTAL_CERT_SHA256 when IB_PORTAL_CA_FILE cannot verify the gateway's own certificate", async () => {
    pair = await startPortalPair({ fake: { certificate: 'gatewayBundled' } });
    await expect(pair.broker.waitUntilReady(2000)).rejects.toThrow(
      /rejected \((CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)\): .*IB_PORTAL_CA_FILE cannot fix .*set IB_PORTAL_CERT_SHA256/,
    );
    expect(pair.fake.control.requests()).toHaveLength(0);
  });

  it('refuses any other certificate than the pinned one before a request is sent, naming the setting', async () => {
    const { gatewayBundledCertificate } = await import('../../../src/sim/portal/certificate');
    const pinned = new X509Certificate(gatewayBundledCertificate().certPem).fingerprint256;
    pair = await startPortalPair({ trustCa: false, broker: { certSha256: pinned } });
    await expect(pair.broker.waitUntilReady(2000)).rejects.toThrow(
      /has SHA-256 fingerprint [0-9A-F:]{95}, not the one IB_PORTAL_CERT_SHA256 pins/,
    );
    expect(pair.broker.state()).toBe('down');
    expect(pair.fake.control.requests()).toHaveLength(0);
  });

  it('refuses contradictory or unusable TLS settings at construction', () => {
    expect(() => createPortalBroker({ certSha256: 'AB:CD' })).toThrow(
      /^IB_PORTAL_CERT_SHA256 must be a SHA-256 fingerprint \(64 hex digits, colons allowed\), got 4 characters$/,
    );
    expect(() => createPortalBroker({ certSha256: 'a'.repeat(64), caFile: __filename })).toThrow(/choose one/);
    expect(() => createPortalBroker({ caFile: '/no/such/file.pem' })).toThrow(
      /^IB_PORTAL_CA_FILE=\/no\/such\/file.pem cannot be read: ENOENT/,
    );
    expect(() => createPortalBroker({ caFile: __filename, insecureTls: true })).toThrow(/both set/);
    expect(() => createPortalBroker({ caFile: __filename })).toThrow(/holds no PEM certificate/);
    expect(() => createPortalBroker({ baseUrl: 'ftp://localhost:5000' })).toThrow(/must be http\(s\)/);
  });
});
