import { connect, createServer, type Server, type Socket } from 'node:net';
import { startTcpProxy, type TcpProxy } from '../../harness/tcpProxy';

/** A server that answers every chunk with the same bytes. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) =>
    socket.on('data', (chunk) => socket.write(chunk)).on('error', () => undefined),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A client through the proxy that collects what comes back, and whether the connection ended. */
async function client(proxy: TcpProxy): Promise<{ socket: Socket; received: () => string; ended: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  let text = '';
  let ended = false;
  socket.on('data', (chunk) => (text += chunk.toString()));
  socket.on('error', () => undefined).on('close', () => (ended = true));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => text, ended: () => ended };
}

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TCP proxy in front of a real server', () => {
  let echo: { server: Server; port: number };
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = await echoServer();
    proxy = await startTcpProxy('127.0.0.1', echo.port);
  });

  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('passes traffic both ways', async () => {
    const c = await client(proxy);
    c.socket.write('select 1');
    await until(() => c.received() === 'select 1');
    c.socket.destroy();
  });

  it('refuse resets open connections and new ones', async () => {
    const open = await client(proxy);
    proxy.block();
    await until(() => open.ended());
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    const outcome = await new Promise<string>((resolve) => {
      refused.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      refused.on('close', () => resolve('closed'));
    });
    expect(['ECONNRESET', 'closed']).toContain(outcome);
    proxy.unblock();
    const again = await client(proxy);
    again.socket.write('back');
    await until(() => again.received() === 'back');
    again.socket.destroy();
  });

  it('hang keeps connections open and forwards nothing until it passes again, then delivers in order', async () => {
    const open = await client(proxy);
    proxy.setMode({ kind: 'hang' });
    open.socket.write('a');
    const late = await client(proxy);
    late.socket.write('b');
    await sleep(300);
    expect({ open: open.received(), late: late.received() }).toEqual({ open: '', late: '' });
    expect({ open: open.ended(), late: late.ended() }).toEqual({ open: false, late: false });
    open.socket.write('c');
    proxy.setMode({ kind: 'pass' });
    await until(() => open.received() === 'ac' && late.received() === 'b');
    open.socket.destroy();
    late.socket.destroy();
  });

  it('delay holds every chunk to the server for the given time, in order', async () => {
    proxy.setMode({ kind: 'delay', ms: 250 });
    const c = await client(proxy);
    const sentAt = Date.now();
    c.socket.write('one;');
    await sleep(20);
    c.socket.write('two;');
    proxy.setMode({ kind: 'pass' });
    c.socket.write('three;');
    await until(() => c.received() === 'one;two;three;');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(250);
    c.socket.destroy();
  });

  it('rejects a negative delay with one line', () => {
    expect(() => proxy.setMode({ kind: 'delay', ms: -1 })).toThrow('delay must be >= 0 ms, got -1');
  });
});
