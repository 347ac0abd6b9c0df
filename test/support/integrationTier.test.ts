import { createTestDatabase } from './database';
import { INTEGRATION_TIER_ENV } from './integrationTier';
import { temporalAddress } from './temporal';

describe('a unit test that reaches for a server', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('is told to join the integration tier, for PostgreSQL and for Temporal', async () => {
    delete process.env[INTEGRATION_TIER_ENV];
    process.env.TEST_DATABASE_ADMIN_URL = 'postgres://unused@127.0.0.1:1/unused';
    process.env.TEST_TEMPORAL_ADDRESS = '127.0.0.1:1';
    await expect(createTestDatabase()).rejects.toThrow(/^this test needs the integration tier \(add it to INTEGRATION/);
    expect(() => temporalAddress()).toThrow(/^this test needs the integration tier .*TEST_TEMPORAL_ADDRESS/);
  });

  it('in the integration tier without a Temporal binary, is told how to build one', () => {
    process.env[INTEGRATION_TIER_ENV] = '1';
    delete process.env.TEST_TEMPORAL_ADDRESS;
    expect(() => temporalAddress()).toThrow(
      'no Temporal dev server in this run: build it with `bash scripts/setup.sh`',
    );
  });
});
