import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { integrationSetting } from './integrationTier';

export function temporalAddress(): string {
  const address = integrationSetting('TEST_TEMPORAL_ADDRESS');
  if (!address) throw new Error('no Temporal dev server in this run: build it with `bash scripts/setup.sh`');
  return address;
}

/** Connects to the run's shared dev server. */
export function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress(), namespace: 'default' });
}

/** Bundles src/workflows once per test file. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: join(__dirname, '..', '..', 'src', 'workflows', 'index.ts'),
    logger: quietLogger,
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
