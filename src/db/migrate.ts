import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface MigrateOptions {
  log?: (line: string) => void;
  /** Folder with the migration files; the repository's migrations/ by default. */
  dir?: string;
  /** How long to wait for another process's migration to finish. Default 60 s. */
  lockTimeoutMs?: number;
  /** Stops the migration process after this long (a database that accepts connections and answers nothing). */
  timeoutMs?: number;
}

export interface MigrateResult {
  /** Names of the migrations this call applied; empty when the schema was already current. */
  applied: string[];
}

/** Both src/db (tsx, Jest) and dist/db (compiled) sit two levels below the folder holding migrations/. */
export const DEFAULT_MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'migrations');

/**
 * Brings the schema up to date with node-pg-migrate. Safe to run again (applied migrations are
 * skipped) and from several processes at once (they queue on an advisory lock).
 *
 * node-pg-migrate 8 is an ES module. Node 20 loads it from CommonJS, but Jest's module registry
 * cannot, so the runner lives in a child process (migrationChild.ts): one code path everywhere.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = options.dir ?? DEFAULT_MIGRATIONS_DIR;
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  const compiled = __filename.endsWith('.js');
  const childScript = join(__dirname, compiled ? 'migrationChild.js' : 'migrationChild.ts');
  const args = compiled ? [childScript] : ['--import', 'tsx', childScript];
  const child = spawn(process.execPath, args, {
    cwd: resolve(__dirname, '..', '..'),
    env: {
      ...process.env,
      BRIDGE_MIGRATE_URL: databaseUrl,
      BRIDGE_MIGRATE_DIR: dir,
      BRIDGE_MIGRATE_LOCK_TIMEOUT_MS: String(options.lockTimeoutMs ?? 60_000),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let applied: string[] | undefined;
  let failure: string | undefined;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let message: { log?: string; applied?: string[]; error?: string };
    try {
      message = JSON.parse(line);
    } catch {
      options.log?.(line);
      return;
    }
    if (message.log !== undefined) options.log?.(message.log);
    if (message.applied) applied = message.applied;
    if (message.error) failure = message.error;
  });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', resolveExit);
  }).finally(() => clearTimeout(timer));
  if (timedOut) throw new Error(`database migration failed: no answer within ${options.timeoutMs} ms`);
  if (exitCode === 0 && applied) return { applied };
  const detail = failure ?? (stderr.trim().split('\n').pop() || `migration process exited with ${exitCode}`);
  throw new Error(`database migration failed: ${detail}`);
}
