import { connect as netConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  connect as http2Connect,
  constants as h2,
  createSecureServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Issued } from './testPki';

export interface Frontend {
  /** By name, as clusters are reached: TLS clients send it as the server name (SNI). Listens on every local address. */
  address: string;
  close(): Promise<void>;
}

function parseTarget(target: string) {
  const [host, port] = target.split(':');
  return { host, port: Number(port) };
}

/**
 * What a secured Temporal cluster looks like from a client: TLS with ALPN h2 that requires a client certificate
 * signed by `clientCa`, in front of the plain dev server (the bytes inside the TLS are forwarded untouched).
 */
export async function startMtlsFrontend(target: string, server: Issued, clientCa: string): Promise<Frontend> {
  const { host, port } = parseTarget(target);
  const sockets = new Set<import('node:net').Socket>();
  const tls = createTlsServer(
    {
      cert: server.certPem,
      key: server.keyPem,
      ca: [clientCa],
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const upstream = netConnect(port, host);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    },
  );
  tls.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tls.listen(0, resolve));
  return {
    address: `localhost:${(tls.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        tls.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const HOP_BY_HOP = new Set([h2.HTTP2_HEADER_STATUS, 'connection', 'keep-alive', 'transfer-encoding']);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(key)) out[key] = value;
  return out;
}

/**
 * Like Temporal Cloud's API-key endpoints: TLS (h2) in front of the dev server, and every gRPC call must carry
 * `authorization: Bearer <apiKey>`; anything else is answered UNAUTHENTICATED (16) without reaching the server.
 * Calls are forwarded over HTTP/2 with their trailers, which carry the gRPC status.
 */
export async function startApiKeyFrontend(target: string, server: Issued, apiKey: string): Promise<Frontend> {
  let upstream: ClientHttp2Session | null = null;
  const upstreamSession = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2Connect(`http://${target}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  const secure = createSecureServer({ cert: server.certPem, key: server.keyPem, ALPNProtocols: ['h2'] });
  secure.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${apiKey}`) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'invalid API key' },
        { endStream: true },
      );
      return;
    }
    const request = upstreamSession().request(forwardable(headers), { endStream: false });
    request.on('error', () => stream.destroy());
    stream.on('close', () => request.destroy());
    let trailers: OutgoingHttpHeaders = {};
    request.on('trailers', (received) => (trailers = forwardable(received)));
    request.on('response', (responseHeaders, flags) => {
      if (stream.destroyed || stream.closed) return;
      const trailersOnly = (flags & h2.NGHTTP2_FLAG_END_STREAM) !== 0;
      stream.respond(
        { ...forwardable(responseHeaders), ':status': responseHeaders[':status'] ?? 200 },
        trailersOnly ? { endStream: true } : { waitForTrailers: true },
      );
      if (!trailersOnly) {
        stream.on('wantTrailers', () => stream.sendTrailers(trailers));
        request.pipe(stream);
      }
    });
    stream.pipe(request);
  });
  secure.on('sessionError', () => undefined);
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  secure.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => secure.listen(0, resolve));
  return {
    address: `localhost:${(secure.address() as AddressInfo).port}`,
    close: async () => {
      (upstream as ClientHttp2Session | null)?.destroy();
      await new Promise<void>((resolve) => {
        secure.close(() => resolve());
        for (const session of sessions) session.destroy();
      });
    },
  };
}
