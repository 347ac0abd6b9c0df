import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './freePort';

/** Custom search attributes the bridge workflow upserts; the server must know them before the first upsert. */
export const BRIDGE_SEARCH_ATTRIBUTES: Record<string, string> = {
  BridgeState: 'Keyword',
  BridgeAccount: 'Keyword',
  BridgeLastOkAt: 'Datetime',
  BridgeBufferedRows: 'Int',
};

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');

/** The project-local build first (scripts/setup.sh puts it there), then PATH. */
export function findTool(name: 'temporal' | 'tctl'): string | null {
  const local = join(TOOLS_BIN, name);
  if (existsSync(local)) return local;
  try {
    const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return found || null;
  } catch {
    return null;
  }
}

export interface DevServerOptions {
  binary?: string;
  ip?: string;
  port?: number;
  /** null for --headless */
  uiPort?: number | null;
  httpPort?: number;
  metricsPort?: number;
  /** SQLite file; without it everything is lost when the server exits. */
  dbFilename?: string;
  logFile?: string;
  extraArgs?: string[];
  startTimeoutMs?: number;
}

export interface DevServerHandle {
  address: string;
  uiUrl: string | null;
  metricsUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<DevServerHandle> {
  const binary = options.binary ?? findTool('temporal');
  if (!binary) {
    throw new Error(
      'no temporal binary: run `bash scripts/setup.sh` (needs Go) or install the Temporal CLI (https://docs.temporal.io/cli)',
    );
  }
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const metricsPort = options.metricsPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--log-level',
    'error',
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    // The timer queue rounds timers shorter than this up to it (1 s by default), which would turn the
    // sub-second cycles of tests into 1-second ones. One dev server has no clock skew to guard against.
    '--dynamic-config-value',
    'history.timerProcessorMaxTimeShift="20ms"',
    // The timer queue's reads (the due task, then a look-ahead) wait for a limiter of 20 a second per shard by
    // default: every workflow timer fired ~100 ms late. Measured with the bench: 102 ms → 2 ms at the median.
    '--dynamic-config-value',
    'history.timerProcessorMaxPollRPS=1000',
  ];
  for (const [key, type] of Object.entries(BRIDGE_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key}=${type}`);
  if (options.uiPort === null || options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', ip);
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  args.push(...(options.extraArgs ?? []));

  // Another server on the port would answer the readiness probe below in this one's place.
  if (await canConnect(ip, port))
    throw new Error(`cannot start the Temporal dev server: ${ip}:${port} is already in use`);
  const logFd = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], detached: false });
  if (typeof logFd === 'number') closeSync(logFd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `temporal exited with ${signal ?? code}`;
  });
  child.on('error', (err) => {
    exited = `temporal could not start: ${err.message}`;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await canConnect(ip, port))) {
    if (exited) throw new Error(`${exited} (binary ${binary}${options.logFile ? `, log ${options.logFile}` : ''})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `temporal dev server did not listen on ${ip}:${port} within ${options.startTimeoutMs ?? 30_000} ms`,
      );
    }
    await sleep(100);
  }
  return {
    address: `${ip}:${port}`,
    uiUrl: options.uiPort ? `http://${ip}:${options.uiPort}` : null,
    metricsUrl: `http://${ip}:${metricsPort}/metrics`,
    process: child,
    stop: () => stopChild(child),
  };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
