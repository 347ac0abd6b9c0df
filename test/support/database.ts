import { createScratchDatabase, type ScratchDatabase } from '../../harness/scratchDatabase';
import { integrationSetting } from './integrationTier';

export type TestDatabase = ScratchDatabase;

/** The integration tier's PostgreSQL server (test/support/globalSetup.ts). */
export function testPostgresUrl(): string {
  const url = integrationSetting('TEST_DATABASE_ADMIN_URL');
  if (!url) throw new Error('TEST_DATABASE_ADMIN_URL is unset: run tests through jest (test/support/globalSetup.ts)');
  return url;
}

/** A fresh, empty database on the harness's PostgreSQL, dropped by drop(). */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  return createScratchDatabase(testPostgresUrl(), prefix);
}
