import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { bundleWorkflows, connectTestEnv, temporalAddress } from '../support/temporal';
import { eventually, testBridgeStack, type BridgeStack } from '../bridge/stack';
import { resetEnvAwayFrom } from '../../harness/resetWindow';

const BIN = join(__dirname, '..', '..', 'bin', 'bridge.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the bridge CLI against a running bridge', () => {
  let env: TestWorkflowEnvironment;
  let stack: BridgeStack;
  let cliEnv: NodeJS.ProcessEnv;

  /** Asynchronous on purpose: the worker that answers queries runs in this process. */
  async function bridge(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
        env: { ...cliEnv, ...extraEnv },
        encoding: 'utf8',
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  async function temporal(args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(
      process.env.TEST_TEMPORAL_BINARY as string,
      [...args, '--address', temporalAddress()],
      { encoding: 'utf8' },
    );
    return stdout;
  }

  const status = async () => JSON.parse((await bridge(['status', '--json'])).stdout);

  beforeAll(async () => {
    env = await connectTestEnv();
    stack = await testBridgeStack(env, await bundleWorkflows()).start();
    cliEnv = {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      IB_ACCOUNT: MAIN_ACCOUNT,
      CYCLE_INTERVAL_MS: '500',
      // The nightly window half a day away, so it never falls inside the test, whatever the time of day.
      ...resetEnvAwayFrom(),
      DATABASE_URL: stack.database.url,
    };
  });

  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  it('starts once, reports status, pauses, resumes, changes the interval and stops the workflow', async () => {
    const first = await bridge(['start', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      workflowId: `ibkr-bridge-${MAIN_ACCOUNT}`,
      alreadyRunning: false,
    });
    const again = JSON.parse((await bridge(['start', '--json'])).stdout);
    expect(again.alreadyRunning).toBe(true);

    const ready = await eventually(status, (s) => s.state === 'ready' && s.cyclesTotal >= 2, 30_000, 'ready');
    expect(ready.lastCycle.outcome).toBe('written');
    const human = await bridge(['status']);
    expect(human.stdout).toMatch(new RegExp(`ibkr-bridge-${MAIN_ACCOUNT}: ready`));
    expect(human.stdout).toMatch(/net Greeks\s+delta -?\d/);

    expect((await bridge(['pause', '--reason', 'cli test'])).code).toBe(0);
    const paused = await eventually(status, (s) => s.state === 'paused', 10_000, 'paused');
    expect(paused.pauseReason).toBe('cli test');
    expect((await bridge(['resume'])).code).toBe(0);
    await eventually(status, (s) => s.state === 'ready', 10_000, 'ready again');

    const update = await temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      `ibkr-bridge-${MAIN_ACCOUNT}`,
      '--name',
      'setInterval',
      '--input',
      '1000',
    ]);
    expect(update).toMatch(/1000/);
    const slower = await eventually(status, (s) => s.intervalMs === 1000, 10_000, 'interval changed');
    expect(slower.intervalMs).toBe(1000);

    const stopped = await bridge(['stop', '--json']);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: true });
    const described = await env.client.workflow.getHandle(`ibkr-bridge-${MAIN_ACCOUNT}`).describe();
    expect(described.status.name).toBe('TERMINATED');
  });

  it('applies migrations idempotently with `bridge migrate`', async () => {
    const result = await bridge(['migrate', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ applied: [] });
  });

  it('fails with one clear line when Temporal cannot be reached or the input is wrong', async () => {
    const unreachable = await bridge(['status'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/Temporal at 127\.0\.0\.1:1, namespace default, no TLS cannot be reached/);

    const noAccount = await bridge(['status'], { IB_ACCOUNT: '' });
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr.trim()).toBe('config error: no account: set IB_ACCOUNT or pass --account');

    const badConfig = await bridge(['status'], { IB_API_MODE: 'FIX' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr.trim()).toBe('config error: IB_API_MODE="FIX" must be SOCKET or PORTAL');
  });
});
