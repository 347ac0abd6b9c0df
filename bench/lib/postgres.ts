import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { resolvePostgres } from '../../src/infra/postgres';

export interface BenchPostgres {
  /** Server URL (its default database); scratch databases are created next to it. */
  url: string;
  embedded: boolean;
  version: string;
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set, otherwise a private embedded PostgreSQL in a temporary directory. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  const server = await resolvePostgres({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: workDir,
    persistent: false,
  });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  const version = (await client.query('SHOW server_version')).rows[0].server_version as string;
  await client.end();
  return {
    url: server.url,
    embedded: server.embedded,
    version,
    async stop() {
      await server.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
