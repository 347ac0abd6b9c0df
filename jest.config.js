// Two tiers of tests, as Jest projects.
//   integration: the files matched by INTEGRATION below. They run against the one Temporal dev server and the one
//     PostgreSQL that test/support/globalSetup.ts starts; Jest runs a project's globalSetup only when at least one
//     of its files is selected, so a run without integration files starts no server.
//   unit: every other test file. No server, an answer in seconds: `npm run test:unit`.
// `npm test` runs both. A unit file that asks test/support for a server fails with "this test needs the
// integration tier": add it to INTEGRATION.
const INTEGRATION = [
  'alerts/*.stack.test.ts',
  'bridge/!(cycleRetryPlan).test.ts', // the whole bridge on a worker; the retry plan beside them is arithmetic
  'buffer/{crash,fallbackBuffer,outage}.test.ts',
  'cli/bridgeCli.test.ts',
  'db/**/*.test.ts',
  'deploy/{grafana,temporalSetup,workerEntry}.test.ts',
  'faults/faultSuite.test.ts',
  'harness/**/*.test.ts',
  'launcher/**/*.test.ts',
  'secrets/everyOutlet.test.ts', // a real api_logs insert among the outlets
  'temporal/{securedTemporal,searchAttributes}.test.ts', // the worker and CLI through TLS front ends; a bare namespace
  'ui/**/*.test.ts',
  'worker/connectionLease.test.ts',
  'workflows/bridge.workflow.test.ts', // the workflow on the dev server with stub activities
];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/support/quietRuntime.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  maxWorkers: 1,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['**/test/**/*.test.ts', ...INTEGRATION.map((pattern) => `!**/test/${pattern}`)],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: INTEGRATION.map((pattern) => `**/test/${pattern}`),
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
};
