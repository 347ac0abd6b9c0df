import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/infra/freePort';
import { BRIDGE_SEARCH_ATTRIBUTES, findTool, stopChild } from '../../src/infra/temporalServer';
import { loadCompose, repoPath } from './support/deployFiles';

const run = promisify(execFile);

/**
 * The compose job that prepares Temporal (deploy/temporal/setup-namespace.sh), run with the environment
 * docker-compose.yml gives it against a dev server that knows none of the bridge's search attributes.
 */
describe('the Temporal setup job', () => {
  const temporal = findTool('temporal');
  const setup = loadCompose().services['temporal-setup'];
  let server: ChildProcess;
  let address: string;

  beforeAll(async () => {
    if (!temporal) throw new Error('no temporal binary: run `bash scripts/setup.sh`');
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    // A bare server on purpose: the harness's shared one registers the attributes at start.
    server = spawn(
      temporal,
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(await freePort()),
        '--metrics-port',
        String(await freePort()),
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    if (server) await stopChild(server);
  });

  const runSetup = (overrides: Record<string, string> = {}) =>
    run('sh', [repoPath('deploy/temporal/setup-namespace.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${dirname(temporal as string)}:${process.env.PATH}`,
        HOME: process.env.HOME ?? tmpdir(), // the CLI looks for its config file there
        ...setup.environment,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'bridge-deploy',
        SETUP_ATTEMPTS: '30',
        ...overrides,
      },
    });

  const registered = async (): Promise<Record<string, string>> => {
    const { stdout } = await run(
      temporal as string,
      ['operator', 'search-attribute', 'list', '--namespace', 'bridge-deploy', '--address', address, '-o', 'json'],
      { encoding: 'utf8' },
    );
    return (JSON.parse(stdout) as { customAttributes: Record<string, string> }).customAttributes;
  };

  it('waits for the server, creates the namespace and registers every attribute the workflow upserts', async () => {
    const { stdout } = await runSetup();
    expect(stdout).toContain('namespace bridge-deploy created');
    const expected = Object.fromEntries(
      Object.entries(BRIDGE_SEARCH_ATTRIBUTES).map(([name, type]) => [
        name,
        `INDEXED_VALUE_TYPE_${type.toUpperCase()}`,
      ]),
    );
    expect(await registered()).toMatchObject(expected);
  }, 90_000);

  it('is safe to run again: everything is found and nothing changes', async () => {
    const before = await registered();
    const { stdout } = await runSetup();
    expect(stdout).toContain('namespace bridge-deploy exists');
    for (const name of Object.keys(BRIDGE_SEARCH_ATTRIBUTES))
      expect(stdout).toContain(`search attribute ${name} exists`);
    expect(await registered()).toEqual(before);
  }, 60_000);

  it('refuses a malformed attribute list with one clear line and exit code 2', async () => {
    const failure = await runSetup({ BRIDGE_SEARCH_ATTRIBUTES: 'BridgeState' }).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toContain("bad entry 'BridgeState' in BRIDGE_SEARCH_ATTRIBUTES: expected Name=Type");
  }, 60_000);
});
