/**
 * Load benchmark for the TWS simulator: N option subscriptions streaming at R updates/s each.
 *
 *   npx tsx bench/sim-load.ts [--subs 2000] [--rate 4] [--seconds 15]
 *
 * The simulator runs as the standalone command in a child process (so its CPU is its own), with a generated
 * portfolio of N options. A lightweight raw-socket client subscribes to every option (the same frames @stoqey/ib
 * sends) and counts what arrives. CPU comes from the simulator's process.cpuUsage() via its HTTP /status.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const SUBSCRIPTIONS = arg('subs', 2000);
const RATE = arg('rate', 4);
const SECONDS = arg('seconds', 15);
const UNDERLYINGS = [
  { conId: 265598, symbol: 'AAPL', price: 190 },
  { conId: 272093, symbol: 'MSFT', price: 420 },
  { conId: 756733, symbol: 'SPY', price: 560 },
  { conId: 320227571, symbol: 'QQQ', price: 480 },
  { conId: 76792991, symbol: 'TSLA', price: 250 },
];

function portfolioFile(): unknown {
  const contracts: unknown[] = UNDERLYINGS.map((u) => ({
    conId: u.conId,
    symbol: u.symbol,
    localSymbol: u.symbol,
    secType: 'STK',
    startPrice: u.price,
    walkVolatility: 0.25,
    impliedVol: 0.3,
  }));
  for (let i = 0; i < SUBSCRIPTIONS; i += 1) {
    const u = UNDERLYINGS[i % UNDERLYINGS.length];
    const strike = Math.round(u.price * (0.7 + (Math.floor(i / UNDERLYINGS.length) % 60) * 0.01));
    const days = 7 + 7 * Math.floor(i / (UNDERLYINGS.length * 60));
    contracts.push({
      conId: 1_000_000 + i,
      symbol: u.symbol,
      localSymbol: `${u.symbol} ${days}D ${i % 2 ? 'P' : 'C'}${strike}`,
      secType: 'OPT',
      right: i % 2 ? 'P' : 'C',
      strike,
      expiry: `+${days}d`,
      multiplier: 100,
      underConId: u.conId,
    });
  }
  return { accounts: [{ id: 'DU1234567' }], contracts, positions: [] };
}

function frame(fields: Array<string | number>): Buffer {
  const payload = Buffer.from(fields.map((field) => `${field}\0`).join(''));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** Counts inbound frames by message id without decoding fields beyond the id. */
function countingClient(port: number): Promise<{ socket: Socket; counts: Map<number, number>; bytes: () => number }> {
  return new Promise((resolve, reject) => {
    const counts = new Map<number, number>();
    let buffer = Buffer.alloc(0);
    let bytes = 0;
    let greeted = false;
    const socket = connect(port, '127.0.0.1', () => {
      const version = Buffer.from('v100..193');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(version.length);
      socket.write(Buffer.concat([Buffer.from('API\0'), length, version]));
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      let offset = 0;
      while (buffer.length - offset >= 4) {
        const size = buffer.readUInt32BE(offset);
        if (buffer.length - offset < 4 + size) break;
        const end = buffer.indexOf(0, offset + 4);
        const id = Number(buffer.toString('latin1', offset + 4, end));
        offset += 4 + size;
        if (!greeted) {
          greeted = true;
          socket.write(frame([71, 2, 1, '']));
          continue;
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
        if (id === 9 && counts.get(9) === 1) resolve({ socket, counts, bytes: () => bytes });
      }
      buffer = buffer.subarray(offset);
    });
  });
}

async function status(
  httpPort: number,
): Promise<{ linesInUse: number; cpuUsageMicros: { user: number; system: number } }> {
  return (await (await fetch(`http://127.0.0.1:${httpPort}/status`)).json()) as never;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-load-'));
  const portfolioPath = join(dir, 'portfolio.json');
  writeFileSync(portfolioPath, JSON.stringify(portfolioFile()));
  const child = spawn(
    join(__dirname, '../node_modules/.bin/tsx'),
    [
      'src/sim/tws/cli.ts',
      ...['--port', '0', '--seed', '1', '--portfolio', portfolioPath, '--control-port', '0'],
      ...[
        '--line-limit',
        String(SUBSCRIPTIONS + 10),
        '--pacing-limit',
        '0',
        '--tick-interval-ms',
        String(Math.round(1000 / RATE)),
      ],
    ],
    { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  try {
    const ports = await new Promise<{ api: number; http: number }>((resolve, reject) => {
      const timer = setInterval(() => {
        const api = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
        const http = /control endpoint on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (api && http) {
          clearInterval(timer);
          resolve({ api: Number(api[1]), http: Number(http[1]) });
        }
      }, 50);
      child.on('exit', () => reject(new Error(`simulator exited early:\n${output}`)));
    });
    const client = await countingClient(ports.api);
    const requests: Buffer[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i += 1) {
      requests.push(
        frame([1, 11, i + 1, 1_000_000 + i, '', 'OPT', '', '', '', '', 'SMART', '', '', '', '', 0, '', 0, 0, '']),
      );
    }
    client.socket.write(Buffer.concat(requests));
    for (;;) {
      if ((await status(ports.http)).linesInUse >= SUBSCRIPTIONS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const modelTicksBefore = client.counts.get(21) ?? 0;
    const framesBefore = [...client.counts.values()].reduce((a, b) => a + b, 0);
    const bytesBefore = client.bytes();
    const cpuBefore = (await status(ports.http)).cpuUsageMicros;
    const started = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const cpuAfter = (await status(ports.http)).cpuUsageMicros;
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const computationFrames = (client.counts.get(21) ?? 0) - modelTicksBefore;
    const frames = [...client.counts.values()].reduce((a, b) => a + b, 0) - framesBefore;
    const cpuSeconds = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1e6;
    const computationTypesPerUpdate = 4;
    const updates = computationFrames / computationTypesPerUpdate;

    console.log(
      `subscriptions:          ${SUBSCRIPTIONS} options, target ${RATE} updates/s each (${SUBSCRIPTIONS * RATE}/s)`,
    );
    console.log(`window:                 ${elapsed.toFixed(1)} s`);
    console.log(
      `option updates:         ${(updates / elapsed).toFixed(0)}/s (${(updates / elapsed / SUBSCRIPTIONS).toFixed(2)} per option per s)`,
    );
    console.log(
      `frames received:        ${(frames / elapsed).toFixed(0)}/s (3 tickPrice + 4 tickOptionComputation per update)`,
    );
    console.log(`bytes received:         ${((client.bytes() - bytesBefore) / elapsed / 1e6).toFixed(2)} MB/s`);
    console.log(
      `simulator CPU:          ${cpuSeconds.toFixed(2)} s over ${elapsed.toFixed(1)} s = ${((100 * cpuSeconds) / elapsed).toFixed(1)} % of one core`,
    );
    client.socket.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`sim-load: ${error.message}`);
  process.exit(1);
});
