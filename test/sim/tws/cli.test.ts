import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventName } from '@stoqey/ib';
import { RecordingClient, waitUntil } from './recordingClient';

const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function runCli(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(TSX, ['src/sim/tws/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function post(
  port: number,
  action: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/control/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('TWS simulator: standalone command and HTTP control', () => {
  it('runs `sim --port 0 --seed 3 --control-port 0`, is driven over HTTP, and exits cleanly on SIGTERM', async () => {
    const run = runCli([
      '--port',
      '0',
      '--seed',
      '3',
      '--control-port',
      '0',
      '--stream',
      'round',
      '--burst-updates',
      '9',
    ]);
    let client: RecordingClient | undefined;
    try {
      const ports = await waitUntil(
        () => {
          const api = /listening on 127\.0\.0\.1:(\d+)/.exec(run.output());
          const http = /control endpoint on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output());
          return api && http ? { api: Number(api[1]), http: Number(http[1]) } : undefined;
        },
        'the simulator to start',
        30_000,
      );
      client = new RecordingClient(ports.api, 9);
      await client.connect();

      expect((await post(ports.http, 'sendStatus', { code: 2110 })).status).toBe(200);
      await client.waitFor(EventName.info, (args) => args[1] === 2110);
      expect(
        (await post(ports.http, 'connectivityLost', { restoreAfterMs: 100, outcome: 'maintained' })).json.result,
      ).toBe('started');
      await client.waitFor(EventName.info, (args) => args[1] === 1102);

      const bad = await post(ports.http, 'setPosition', { account: 'DU1234567', conId: 'x', quantity: 1 });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/^control setPosition: conId: /);
      expect((await post(ports.http, 'setStalled', '{oops')).status).toBe(400);
      expect((await post(ports.http, 'launchMissiles', {})).status).toBe(404);

      const status = (await (await fetch(`http://127.0.0.1:${ports.http}/status`)).json()) as {
        counters: Record<string, number>;
        sessions: Array<{ clientId: number }>;
        settings: { streamMode: string; burstUpdates: number };
      };
      expect(status.settings).toMatchObject({ streamMode: 'round', burstUpdates: 9 });
      expect((await post(ports.http, 'setStream', { mode: 'spread' })).status).toBe(200);
      expect((await post(ports.http, 'setStream', { mode: 'trickle' })).json.error).toMatch(
        /^control setStream: mode: /,
      );
      expect(status.counters.startApi).toBe(1);
      expect(status.sessions.map((session) => session.clientId)).toEqual([9]);

      expect((await post(ports.http, 'dropConnections', { mode: 'fin' })).json.result).toBe(1);
      await client.waitFor(EventName.disconnected);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(/SIGTERM: shutting down/);
    } finally {
      client?.disconnect();
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  it('rejects an unknown stream mode with one clear line', async () => {
    const run = runCli(['--port', '0', '--stream', 'trickle']);
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toMatch(/--stream must be one of spread, round, burst, got trickle/);
  });

  it('rejects an invalid portfolio file with one clear line and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    try {
      const path = join(dir, 'bad.json');
      writeFileSync(path, JSON.stringify({ accounts: [{ id: 'DU1' }], contracts: [], positions: [] }));
      const run = runCli(['--port', '0', '--portfolio', path]);
      expect(await run.exited).toBe(2);
      const lines = run
        .output()
        .trim()
        .split('\n')
        .filter((line) => !/npm warn/.test(line));
      expect(lines).toEqual([
        expect.stringMatching(/^sim: invalid portfolio: accounts\.0\.id: account id must look like DU1234567$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
