import { connect as tlsConnect } from 'node:tls';
import { describeTemporalConnection, type TemporalConnectionSettings } from './connectionSettings';

/**
 * One line for a Temporal connection that failed: where it went, why, and which setting to look at. gRPC reports a
 * refused TLS handshake only as "failed to connect", so for a TLS endpoint the handshake is tried once more here
 * with the same credentials, and the alert the server sent names the cause. The key and certificates are never
 * quoted.
 */
export async function temporalConnectError(settings: TemporalConnectionSettings, err: unknown): Promise<Error> {
  let reason = causeChain(err);
  if (settings.tls && !/UNAUTHENTICATED|PERMISSION_DENIED/.test(reason)) {
    const handshake = await tlsHandshakeProblem(settings);
    if (handshake) reason = `${reason} (TLS handshake: ${handshake})`;
  }
  return new Error(
    `Temporal at ${describeTemporalConnection(settings)} cannot be reached: ${reason}${hint(settings, reason)}`,
  );
}

function causeChain(err: unknown): string {
  const messages: string[] = [];
  for (let current = err as { message?: unknown; cause?: unknown } | undefined; current && messages.length < 4;) {
    const message = String(current.message ?? current).split('\n')[0];
    if (message && !messages.some((seen) => seen.includes(message))) messages.push(message);
    current = current.cause as typeof current;
  }
  return messages.join(': ');
}

function hint(settings: TemporalConnectionSettings, reason: string): string {
  if (/UNAUTHENTICATED|PERMISSION_DENIED/.test(reason)) {
    return settings.auth === 'API key'
      ? '; the server refused the API key: check TEMPORAL_API_KEY'
      : '; the server wants credentials: set TEMPORAL_API_KEY, or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  }
  if (/self[- ]signed|unable to (verify|get)|certificate has expired|Hostname\/IP does not match/i.test(reason)) {
    return '; the server certificate is not trusted: set TEMPORAL_TLS_SERVER_CA_CERT_PATH (and TEMPORAL_TLS_SERVER_NAME if the certificate names another host)';
  }
  if (/certificate required|bad certificate|unknown ca|certificate unknown|handshake failure/i.test(reason)) {
    return settings.auth === 'mTLS'
      ? '; the server refused the client certificate: check TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH'
      : '; the server asks for a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or TEMPORAL_API_KEY';
  }
  return '';
}

/** The handshake with the connection's own CA, name and client certificate; null when it succeeds. */
function tlsHandshakeProblem(settings: TemporalConnectionSettings): Promise<string | null> {
  const tls = settings.tls === true ? {} : (settings.tls ?? {});
  const separator = settings.address.lastIndexOf(':');
  const host = settings.address.slice(0, separator);
  const port = Number(settings.address.slice(separator + 1));
  const servername = tls.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername,
      ALPNProtocols: ['h2'],
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair
        ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
        : {}),
      ...(tls.serverNameOverride ? { checkServerIdentity: () => undefined } : {}),
    });
    const finish = (problem: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => finish(null), 3000);
    // With TLS 1.3 the server judges the client certificate after the client's Finished: a refusal arrives as an
    // alert on the first read, so wait a moment after the handshake before calling it good.
    let secured = false;
    socket.once('secureConnect', () => {
      secured = true;
      setTimeout(() => finish(null), 1000);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.message.split('\n')[0]));
    socket.once('close', () =>
      finish(secured ? 'the server closed the connection after the handshake: bad certificate' : 'connection closed'),
    );
  });
}
