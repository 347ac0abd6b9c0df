/**
 * The servers of the integration tier reach test files through environment variables that
 * test/support/globalSetup.ts sets. Jest runs that set-up only when a file of the integration project
 * (INTEGRATION in jest.config.js) is selected, so a unit-only run has none of them; say so instead of
 * failing on a missing address.
 */
export const INTEGRATION_TIER_ENV = 'TEST_INTEGRATION_TIER';

export function integrationSetting(name: string): string | undefined {
  if (process.env[INTEGRATION_TIER_ENV] !== '1') {
    throw new Error(
      'this test needs the integration tier (add it to INTEGRATION in jest.config.js, or run npm test): ' +
        `${name} comes from the servers that only the integration tier starts`,
    );
  }
  return process.env[name] || undefined;
}
