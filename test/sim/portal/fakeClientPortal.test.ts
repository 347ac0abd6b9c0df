import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startFakeClientPortal, type FakeClientPortal } from '../../../src/sim/portal/fakeClientPortal';
import { NO_FIELD_DELAYS } from '../../../src/sim/portal/rowFormat';

interface Answer {
  status: number;
  text: string;
  json(): unknown;
}

/** One raw call, no adapter involved: what a client of the fake gateway sees on the wire. */
function call(fake: FakeClientPortal, method: string, path: string, body?: unknown): Promise<Answer> {
  const url = new URL(`/v1/api${path}`, fake.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const send = url.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method, ca: fake.caPem, agent: false, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function primed(fake: FakeClientPortal): Promise<void> {
  expect((await call(fake, 'GET', '/portfolio/accounts')).status).toBe(200);
  expect((await call(fake, 'GET', '/iserver/accounts')).status).toBe(200);
}

describe('fake Client Portal on the wire', () => {
  let fake: FakeClientPortal;
  beforeEach(async () => {
    // Rate limits are tested on their own; here calls come in bursts.
    // Fields arrive at once here; their delays are tested on their own.
    fake = await startFakeClientPortal({
      tls: true,
      seed: 5,
      rateLimit: { enabled: false },
      api: { fieldDelays: NO_FIELD_DELAYS },
    });
  });
  afterEach(() => fake.close());

  it('answers the pre-flight with conid only, then string fields', async () => {
    await primed(fake);
    const option = fake.control.model
      .positions(MAIN_ACCOUNT)
      .find((row) => fake.control.model.contract(row.conId)?.secType === 'OPT')!;
    const path = `/iserver/marketdata/snapshot?conids=${option.conId}&fields=31,7308,7309,7310,7311,7633,6509`;
    const conidOnly = [{ conid: option.conId, conidEx: String(option.conId) }];
    // A derivative needs its underlying looked up first (IBKR's documented prerequisite): until then, no stream.
    expect((await call(fake, 'GET', path)).json()).toEqual(conidOnly);
    expect((await call(fake, 'GET', path)).json()).toEqual(conidOnly);
    const symbol = fake.control.model.contract(option.conId)!.symbol;
    const [found] = (await call(fake, 'GET', `/iserver/secdef/search?symbol=${symbol}`)).json() as {
      symbol: string;
      sections: { secType: string }[];
    }[];
    expect(found.symbol).toBe(symbol);
    expect(found.sections.map((section) => section.secType)).toContain('OPT');
    expect((await call(fake, 'GET', path)).json()).toEqual(conidOnly);
    const [row] = (await call(fake, 'GET', path)).json() as Record<string, unknown>[];
    for (const field of ['31', '7308', '7309', '7310', '7311', '7633']) expect(typeof row[field]).toBe('string');
    expect(row['6509']).toBe('RpB');
    const sent = fake.control.lastSentGreeks(option.conId)!;
    expect(Number(row['7310'])).toBe(sent.theta);
    expect(Number(row['7311'])).toBe(sent.vega);
    expect(sent.theta).toBeLessThan(0);
    expect((await call(fake, 'GET', '/iserver/marketdata/unsubscribe')).status).toBe(404);
    const unsubscribed = await call(fake, 'POST', '/iserver/marketdata/unsubscribe', { conid: option.conId });
    expect([unsubscribed.status, unsubscribed.json()]).toEqual([200, { success: true }]);
    expect(fake.control.subscribedConIds()).not.toContain(option.conId);
  });

  it('refuses snapshots before /iserver/accounts and positions before /portfolio/accounts', async () => {
    expect((await call(fake, 'GET', `/portfolio/${MAIN_ACCOUNT}/positions/0`)).status).toBe(400);
    expect((await call(fake, 'GET', '/iserver/marketdata/snapshot?conids=265598&fields=31')).status).toBe(400);
  });

  it('pages positions by 100, keeps a stale cache until invalidate, and portfolio2 is live', async () => {
    await primed(fake);
    const page0 = (await call(fake, 'GET', `/portfolio/${MAIN_ACCOUNT}/positions/0`)).json() as Record<
      string,
      unknown
    >[];
    expect(page0.length).toBe(fake.control.model.positions(MAIN_ACCOUNT).length);
    expect(page0.some((row) => row.position === 0)).toBe(true);
    expect(new Set(page0.map((row) => typeof row.strike))).toEqual(new Set(['string', 'number']));
    expect((await call(fake, 'GET', `/portfolio/${MAIN_ACCOUNT}/positions/1`)).json()).toEqual([]);
    const stock = page0.find((row) => row.assetClass === 'STK')!;
    fake.control.model.setPosition(MAIN_ACCOUNT, stock.conid as number, 999);
    const stale = (await call(fake, 'GET', `/portfolio/${MAIN_ACCOUNT}/positions/0`)).json() as Record<
      string,
      unknown
    >[];
    expect(stale.find((row) => row.conid === stock.conid)?.position).toBe(stock.position);
    const live = (await call(fake, 'GET', `/portfolio2/${MAIN_ACCOUNT}/positions`)).json() as Record<string, unknown>[];
    expect(live.find((row) => row.conid === stock.conid)?.position).toBe(999);
    expect((await call(fake, 'POST', `/portfolio/${MAIN_ACCOUNT}/positions/invalidate`)).status).toBe(200);
    const fresh = (await call(fake, 'GET', `/portfolio/${MAIN_ACCOUNT}/positions/0`)).json() as Record<
      string,
      unknown
    >[];
    expect(fresh.find((row) => row.conid === stock.conid)?.position).toBe(999);
  });

  it('models the session tiers: no session, brokerage lost, competing, ssodh/init', async () => {
    fake.control.setBrokerageSession('lost');
    expect((await call(fake, 'POST', '/iserver/auth/status')).json()).toMatchObject({
      authenticated: false,
      connected: true,
    });
    const noBridge = await call(fake, 'GET', '/iserver/accounts');
    expect([noBridge.status, noBridge.json()]).toEqual([400, { error: 'Bad Request: no bridge', statusCode: 400 }]);
    expect((await call(fake, 'POST', '/iserver/reauthenticate')).json()).toEqual({ message: 'triggered' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await call(fake, 'POST', '/iserver/auth/status')).json()).toMatchObject({ authenticated: true });
    fake.control.setBrokerageSession('competing');
    expect((await call(fake, 'GET', '/iserver/accounts')).json()).toEqual({});
    await call(fake, 'POST', '/iserver/auth/ssodh/init', { publish: true, compete: false });
    expect(fake.control.sessionState().brokerage).toBe('competing');
    await call(fake, 'POST', '/iserver/auth/ssodh/init', { publish: true, compete: true });
    expect(fake.control.sessionState().brokerage).toBe('authenticated');
    fake.control.setBrokerageSession('noBridge');
    expect((await call(fake, 'POST', '/iserver/auth/status')).json()).toMatchObject({ authenticated: true });
    expect((await call(fake, 'GET', '/iserver/accounts')).status).toBe(400);
    await call(fake, 'POST', '/iserver/auth/ssodh/init', { publish: true, compete: false });
    expect((await call(fake, 'GET', '/iserver/accounts')).status).toBe(200);
    fake.control.logout();
    expect((await call(fake, 'POST', '/iserver/auth/status')).status).toBe(401);
    expect((await call(fake, 'GET', '/portfolio/accounts')).status).toBe(401);
    expect((await call(fake, 'POST', '/tickle')).json()).toEqual({ error: 'no session' });
  });

  it('expires a session left without /tickle', async () => {
    fake.control.setIdleTimeout(300);
    await call(fake, 'POST', '/tickle');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await call(fake, 'POST', '/tickle')).json()).toHaveProperty('iserver');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await call(fake, 'POST', '/iserver/auth/status')).status).toBe(401);
  });

  it('answers 500/503 on /iserver during an outage, and drops the brokerage session after it', async () => {
    fake.control.startOutage(60_000);
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i += 1) statuses.add((await call(fake, 'POST', '/iserver/auth/status')).status);
    expect(statuses).toEqual(new Set([500, 503]));
    expect((await call(fake, 'GET', '/portfolio/accounts')).status).toBe(200);
    expect((await call(fake, 'POST', '/tickle')).json()).toMatchObject({
      iserver: { authStatus: { connected: false } },
    });
    fake.control.endOutage();
    expect((await call(fake, 'POST', '/iserver/auth/status')).json()).toMatchObject({
      authenticated: false,
      connected: true,
    });
  });

  it('corrupts, resets and delays on request', async () => {
    fake.control.corruptResponses('truncated', { count: 1, pathPrefix: '/tickle' });
    const truncated = await call(fake, 'POST', '/tickle');
    expect(() => truncated.json()).toThrow();
    fake.control.corruptResponses('invalid', { count: 1 });
    const invalid = await call(fake, 'POST', '/tickle');
    expect(() => invalid.json()).toThrow();
    expect((await call(fake, 'POST', '/tickle')).json()).toHaveProperty('session');
    fake.control.resetConnections({ count: 1 });
    await expect(call(fake, 'POST', '/tickle')).rejects.toThrow(/socket hang up|ECONNRESET/);
    fake.control.setLatency(400);
    const started = Date.now();
    await call(fake, 'POST', '/tickle');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});

describe('fake Client Portal rate limits', () => {
  it('answers 429 above 10 requests per second, and per endpoint', async () => {
    const fake = await startFakeClientPortal({ tls: false, seed: 5 });
    try {
      // One burst, so that all 12 land inside one second however slow the machine is.
      const answers = await Promise.all(Array.from({ length: 12 }, () => call(fake, 'POST', '/iserver/auth/status')));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
      expect(fake.control.rateLimitedCount()).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const tickles = await Promise.all([call(fake, 'POST', '/tickle'), call(fake, 'POST', '/tickle')]);
      expect(tickles.map((answer) => answer.status).sort()).toEqual([200, 429]);
    } finally {
      await fake.close();
    }
  });
});

describe('fake Client Portal: its own table of IBKR limits', () => {
  it('enforces documented limits the adapter has no entry for', async () => {
    const fake = await startFakeClientPortal({ tls: false, seed: 5 });
    try {
      // IBKR documents 1 request per 15 minutes for the scanner parameters and 1 per second for /fyi.
      expect((await call(fake, 'GET', '/iserver/scanner/params')).status).not.toBe(429);
      expect((await call(fake, 'GET', '/iserver/scanner/params')).status).toBe(429);
      const fyi = await Promise.all([call(fake, 'GET', '/fyi/unreadnumber'), call(fake, 'GET', '/fyi/settings')]);
      expect(fyi.map((answer) => answer.status).filter((status) => status === 429)).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('does not take its limits from the adapter it is meant to check', () => {
    const directory = join(__dirname, '../../../src/sim/portal');
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.ts'))) {
      expect([file, readFileSync(join(directory, file), 'utf8').includes('broker/portal')]).toEqual([file, false]);
    }
  });
});

describe('fake Client Portal control over HTTP', () => {
  it('freezes a conid on POST /__control/freeze and refuses a malformed conid with a one-line reason', async () => {
    const fake = await startFakeClientPortal({ tls: false, seed: 5, controlEndpoint: true });
    try {
      const control = (query: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(new URL(`/__control/freeze?${query}`, fake.url), { method: 'POST' }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          });
          req.on('error', reject);
          req.end();
        });
      expect((await control('conid=265598')).status).toBe(200);
      expect((await control('conid=265598&on=false')).status).toBe(200);
      expect(await control('conid=1.5')).toEqual({
        status: 400,
        text: JSON.stringify({ error: 'conid must be a positive integer' }),
      });
    } finally {
      await fake.close();
    }
  });
});

describe('fake Client Portal command', () => {
  it('serves until SIGTERM and then exits 0', async () => {
    const root = join(__dirname, '..', '..', '..');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['src/sim/portal/cli.ts', '--port', '0', '--seed', '2', '--http'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/listening on (http:\/\/\S+)/.test(output)) {
      if (Date.now() > deadline) throw new Error(`no listening line: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /listening on (http:\/\/\S+)/.exec(output)![1];
    const answer = await call({ url } as FakeClientPortal, 'POST', '/iserver/auth/status');
    expect(answer.json()).toMatchObject({ authenticated: true });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: closing');
  });
});
