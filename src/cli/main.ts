import { Command } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { loadConfigOrExit } from '../config/load';
import type { BridgeConfig } from '../config/schema';
import { migrate } from '../db';
import { redactUrl } from '../secrets/redact';
import { pauseSignal, resumeSignal, statusQuery } from '../workflows/messages';
import { workflowIdFor } from '../worker/settings';
import { connectClient } from './temporalClient';
import { describeStatus } from './describeStatus';
import { startBridge } from './startBridge';

interface CommonOptions {
  json?: boolean;
  account?: string;
}

function accountOf(config: BridgeConfig, options: CommonOptions): string {
  const account = options.account ?? config.IB_ACCOUNT;
  if (!account) {
    process.stderr.write('config error: no account: set IB_ACCOUNT or pass --account\n');
    process.exit(2);
  }
  return account;
}

function print(options: CommonOptions, json: unknown, human: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
}

async function withClient<T>(fn: (config: BridgeConfig) => Promise<T>): Promise<T> {
  loadDotenv({ quiet: true });
  const config = loadConfigOrExit();
  return fn(config);
}

export function buildProgram(): Command {
  const program = new Command('bridge').description('Operate the IBKR Greeks bridge workflow').showHelpAfterError();
  const common = (cmd: Command) =>
    cmd.option('--json', 'machine-readable output').option('--account <id>', 'IBKR account (default IB_ACCOUNT)');

  common(program.command('start').description('start the bridge workflow for the account (no-op if it runs)')).action(
    (options: CommonOptions) =>
      withClient(async (config) => {
        const client = await connectClient(config);
        const result = await startBridge(client, config, accountOf(config, options));
        if (result.searchAttributesMissing)
          process.stderr.write(`bridge: warning: ${result.searchAttributesMissing}\n`);
        print(
          options,
          result,
          result.alreadyRunning ? `${result.workflowId} is already running` : `started ${result.workflowId}`,
        );
      }),
  );

  common(program.command('status').description("show the workflow's state, last cycle and Greeks")).action(
    (options: CommonOptions) =>
      withClient(async (config) => {
        const client = await connectClient(config);
        const status = await client.workflow.getHandle(workflowIdFor(accountOf(config, options))).query(statusQuery);
        print(options, status, describeStatus(status));
      }),
  );

  common(program.command('pause').description('stop writing snapshots until resumed'))
    .option('--reason <text>', 'why, shown in status and the Web UI')
    .action((options: CommonOptions & { reason?: string }) =>
      withClient(async (config) => {
        const client = await connectClient(config);
        const workflowId = workflowIdFor(accountOf(config, options));
        await client.workflow.getHandle(workflowId).signal(pauseSignal, options.reason ?? 'paused from the bridge CLI');
        print(options, { workflowId, signal: 'pause' }, `pause sent to ${workflowId}`);
      }),
    );

  common(program.command('resume').description('start writing snapshots again')).action((options: CommonOptions) =>
    withClient(async (config) => {
      const client = await connectClient(config);
      const workflowId = workflowIdFor(accountOf(config, options));
      await client.workflow.getHandle(workflowId).signal(resumeSignal);
      print(options, { workflowId, signal: 'resume' }, `resume sent to ${workflowId}`);
    }),
  );

  common(program.command('stop').description('cancel the bridge workflow')).action((options: CommonOptions) =>
    withClient(async (config) => {
      const client = await connectClient(config);
      const workflowId = workflowIdFor(accountOf(config, options));
      await client.workflow.getHandle(workflowId).terminate('stopped from the bridge CLI');
      print(options, { workflowId, stopped: true }, `stopped ${workflowId}`);
    }),
  );

  program
    .command('migrate')
    .description('apply the database migrations to DATABASE_URL')
    .option('--json', 'machine-readable output')
    .action((options: CommonOptions) =>
      withClient(async (config) => {
        if (!config.DATABASE_URL) {
          process.stderr.write('config error: DATABASE_URL is required for migrate\n');
          process.exit(2);
        }
        const result = await migrate(config.DATABASE_URL);
        print(options, result, `migrations applied to ${redactUrl(config.DATABASE_URL)}: ${JSON.stringify(result)}`);
      }),
    );
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: Error) => {
      process.stderr.write(`bridge: ${err.message.split('\n')[0]}\n`);
      process.exit(1);
    });
}
