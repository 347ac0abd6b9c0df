import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { ScratchDatabase } from '../../bench/lib/postgres';

async function asAdmin(serverUrl: string, statement: string): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** A new database with no schema at all, as a fresh install meets it: only the worker's own migration fills it. */
export async function createEmptyDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `faults_${prefix.replace(/\W/g, '_')}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await asAdmin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => asAdmin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
