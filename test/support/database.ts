import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { integrationSetting } from './integrationTier';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = integrationSetting('TEST_DATABASE_ADMIN_URL');
  if (!url) throw new Error('TEST_DATABASE_ADMIN_URL is unset: run tests through jest (test/support/globalSetup.ts)');
  return url;
}

/** A fresh, empty database on the harness's PostgreSQL, dropped by drop(). */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
