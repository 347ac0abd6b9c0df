import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../src/db/migrate';

export interface ScratchDatabase {
  url: string;
  name: string;
  /** Drops the database, closing the connections still open to it. */
  drop(): Promise<void>;
}

async function asAdmin(serverUrl: string, statement: string): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/**
 * A new database next to `serverUrl`'s, named after `prefix` plus a random suffix so that runs sharing a server
 * never meet. Empty by default, as a fresh install meets it; `migrated` applies the bridge's schema first.
 */
export async function createScratchDatabase(
  serverUrl: string,
  prefix: string,
  { migrated = false }: { migrated?: boolean } = {},
): Promise<ScratchDatabase> {
  const name = `${prefix.toLowerCase().replace(/\W/g, '_')}_${randomBytes(6).toString('hex')}`;
  await asAdmin(serverUrl, `create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (migrated) await migrate(url.toString());
  return {
    url: url.toString(),
    name,
    drop: () => asAdmin(serverUrl, `drop database if exists "${name}" with (force)`),
  };
}
