import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats the database traffic:
 * - `pass`: forwards both ways.
 * - `refuse`: open connections are reset and new ones reset at once, as a crashed server looks.
 * - `hang`: connections are accepted and stay open, but nothing is forwarded either way, as with a network
 *   partition or a stuck server; what was held back is delivered once the proxy passes again (TCP retransmits
 *   after a partition heals), to the connections the client has not given up on.
 * - `delay`: every chunk the client sends (a statement, a connection's start-up) reaches the server `ms` later,
 *   in order; answers come back at once.
 */
export type ProxyMode = { kind: 'pass' } | { kind: 'refuse' } | { kind: 'hang' } | { kind: 'delay'; ms: number };

export interface TcpProxy {
  port: number;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  /** `refuse`, then `pass`: the cut the suite has always made. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/** One client connection and its upstream, with what each side sent that is not yet forwarded. */
class Link {
  private upstream?: Socket;
  private readonly toServer: Buffer[] = [];
  private readonly toClient: Buffer[] = [];
  /** Chunks for the server and the instant each may be written (later under `delay`). */
  private readonly scheduled: Array<{ at: number; chunk: Buffer }> = [];
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly client: Socket,
    private readonly host: string,
    private readonly port: number,
    private readonly current: () => ProxyMode,
    private readonly onClose: (link: Link) => void,
  ) {
    client.on('data', (chunk) => {
      this.toServer.push(chunk);
      this.flush();
    });
    client.on('error', () => this.close()).on('close', () => this.close());
    this.flush();
  }

  private connectUpstream(): Socket {
    if (this.upstream) return this.upstream;
    const upstream = connect({ host: this.host, port: this.port });
    upstream.on('data', (chunk) => {
      this.toClient.push(chunk);
      this.flush();
    });
    upstream.on('error', () => this.close()).on('close', () => this.close());
    this.upstream = upstream;
    return upstream;
  }

  /** Forwards what the mode lets through; called on every chunk and whenever the mode changes. */
  flush(): void {
    if (this.closed) return;
    const mode = this.current();
    if (mode.kind === 'refuse') {
      this.reset();
      return;
    }
    if (mode.kind === 'hang') return;
    const upstream = this.connectUpstream();
    while (this.toClient.length > 0) this.client.write(this.toClient.shift()!);
    const delayMs = mode.kind === 'delay' ? mode.ms : 0;
    while (this.toServer.length > 0) {
      // In order: a chunk never overtakes one sent before it, also when a delay has just ended.
      const last = this.scheduled[this.scheduled.length - 1];
      this.scheduled.push({ at: Math.max(Date.now() + delayMs, last?.at ?? 0), chunk: this.toServer.shift()! });
    }
    this.deliver(upstream);
  }

  /** Writes the scheduled chunks whose time has come, and waits for the next one. */
  private deliver(upstream: Socket): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.current().kind === 'hang') return;
    while (this.scheduled.length > 0 && this.scheduled[0].at <= Date.now())
      upstream.write(this.scheduled.shift()!.chunk);
    if (this.scheduled.length > 0)
      this.timer = setTimeout(() => this.deliver(upstream), this.scheduled[0].at - Date.now());
  }

  reset(): void {
    if (this.closed) return;
    this.client.resetAndDestroy();
    this.upstream?.resetAndDestroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client.destroy();
    this.upstream?.destroy();
    this.onClose(this);
  }
}

/** A loopback TCP proxy in front of a database server, whose mode a test or a scenario switches to inject a fault. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = { kind: 'pass' };
  const links = new Set<Link>();
  const server: Server = createServer((client) => {
    if (mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    links.add(
      new Link(
        client,
        targetHost,
        targetPort,
        () => mode,
        (link) => links.delete(link),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('TCP proxy did not bind');
  const setMode = (next: ProxyMode) => {
    if (next.kind === 'delay' && !(next.ms >= 0)) throw new Error(`delay must be >= 0 ms, got ${next.ms}`);
    mode = next;
    for (const link of [...links]) link.flush();
  };
  return {
    port: address.port,
    mode: () => mode,
    setMode,
    block: () => setMode({ kind: 'refuse' }),
    unblock: () => setMode({ kind: 'pass' }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of [...links]) link.reset();
        server.close(() => resolve());
      }),
  };
}

/** The same connection string, pointed at the proxy. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
