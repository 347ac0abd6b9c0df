import { createServer, connect, type Server, type Socket } from 'node:net';

export interface HangableProxy {
  port: number;
  /** Close the listening port: new connections are refused, open ones are reset. */
  stop(): Promise<void>;
  /** Listen again on the same port and forward to the target. */
  start(): Promise<void>;
  /** Accept connections but forward nothing either way: a database that hangs. */
  hang(): void;
  close(): Promise<void>;
}

/**
 * A real TCP hop in front of Postgres that a test can cut (the port closes), hang and restore. Unlike tcpProxy.ts,
 * bytes held while hanging are dropped, not delivered: a restored hop resets the connections opened meanwhile.
 */
export async function startHangableProxy(targetHost: string, targetPort: number): Promise<HangableProxy> {
  const sockets = new Set<Socket>();
  let hanging = false;
  let server: Server | undefined;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const resetAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        track(client);
        if (hanging) return; // accept, then say nothing
        const upstream = connect(targetPort, targetHost);
        track(upstream);
        client.on('data', (chunk) => {
          if (!hanging) upstream.write(chunk);
        });
        upstream.on('data', (chunk) => {
          if (!hanging) client.write(chunk);
        });
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      resetAll();
      if (!server) return resolve();
      const closing = server;
      server = undefined;
      closing.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: async () => {
      hanging = false;
      resetAll(); // connections opened while hanging have lost bytes: they cannot be trusted
      if (!server) await listen();
    },
    hang: () => {
      hanging = true;
    },
    close: stop,
  };
}

/** The same connection string, pointed at another port on 127.0.0.1. */
export function viaPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}
