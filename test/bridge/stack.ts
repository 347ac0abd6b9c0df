import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SimulatorSettings } from '../../src/sim/tws';
import { BridgeStack, type BridgeStackOptions } from '../../harness/bridgeStack';
import { testPostgresUrl } from '../support/database';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

// The Jest side of the harness: test files reach it through here.
export { BridgeStack } from '../../harness/bridgeStack';
export { fastSettings } from '../../harness/fastSettings';
export { eventually, sleep } from '../../harness/poll';

/** A stack on the integration tier's Temporal server and PostgreSQL. */
export function testBridgeStack(
  env: TestWorkflowEnvironment,
  bundle: BridgeStackOptions['bundle'],
  options: Omit<BridgeStackOptions, 'env' | 'bundle' | 'postgresUrl'> = {},
): BridgeStack {
  return new BridgeStack({ env, bundle, postgresUrl: testPostgresUrl(), ...options });
}

/** Registers a whole stack for the calling test file (started before its tests, stopped after) and returns it. */
export function useBridgeStack(
  mode: 'SOCKET' | 'PORTAL' = 'SOCKET',
  simulatorSettings: Partial<SimulatorSettings> = {},
  dbTimeouts: 'test' | 'defaults' = 'test',
): {
  stack: BridgeStack;
  env: TestWorkflowEnvironment;
} {
  const context = {} as { stack: BridgeStack; env: TestWorkflowEnvironment };
  beforeAll(async () => {
    context.env = await connectTestEnv();
    context.stack = await testBridgeStack(context.env, await bundleWorkflows(), {
      mode,
      simulatorSettings,
      dbTimeouts,
    }).start();
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.env?.teardown();
  });
  return context;
}
