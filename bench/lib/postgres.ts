import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
import { resolvePostgres } from '../../src/infra/postgres';

export interface BenchPostgres {
  /** Server URL (its default database); scratch databases are created next to it. */
  url: string;
  embedded: boolean;
  version: string;
  stop(): Promise<void>;
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
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

/** A fresh, migrated database on the server, dropped (with its connections) by drop(). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    name,
    async drop() {
      const dropper = new Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
