import { request } from 'node:https';
import { connect } from 'node:tls';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startFakeClientPortal, type FakeClientPortal } from '../../../src/sim/portal/fakeClientPortal';

/**
 * The fake Client Portal checked against IBKR's Client Portal Web API documentation, with a bare HTTPS client written
 * here: every expectation states a documented request or response shape, never what the bridge's adapter does.
 */

interface Answer {
  status: number;
  body: unknown;
}

function gateway(fake: FakeClientPortal) {
  const call = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(`/v1/api${path}`, fake.url),
        {
          method,
          ca: fake.caPem,
          agent: false,
          headers: payload ? { 'Content-Type': 'application/json' } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  return { get: (path: string) => call('GET', path), post: (path: string, body?: unknown) => call('POST', path, body) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fake Client Portal against IBKR Web API documentation', () => {
  let fake: FakeClientPortal;
  let api: ReturnType<typeof gateway>;
  beforeAll(async () => {
    // The documented per-endpoint limits are exercised in their own test below; here a client paces itself.
    fake = await startFakeClientPortal({ tls: true, seed: 23, session: { loggedIn: false } });
    api = gateway(fake);
  });
  afterAll(() => fake.close());
  // One request per 120 ms keeps a documentation-following client under 10 requests per second.
  afterEach(() => sleep(120));

  it('without a session: 401 on /iserver and /portfolio, and /tickle says so', async () => {
    expect((await api.post('/iserver/auth/status')).status).toBe(401);
    expect((await api.get(`/portfolio/${MAIN_ACCOUNT}/positions/0`)).status).toBe(401);
    expect((await api.post('/tickle')).body).toEqual({ error: 'no session' });
    fake.control.login();
  });

  it('POST /tickle: session, ssoExpires, collission, userId, iserver.authStatus', async () => {
    await sleep(1000); // documented limit: 1 /tickle per second
    const { status, body } = await api.post('/tickle');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      session: expect.any(String),
      ssoExpires: expect.any(Number),
      collission: false,
      userId: expect.any(Number),
      iserver: {
        authStatus: {
          authenticated: true,
          competing: false,
          connected: true,
          message: expect.any(String),
          MAC: expect.any(String),
          serverInfo: { serverName: expect.any(String), serverVersion: expect.any(String) },
        },
      },
    });
  });

  it('POST /iserver/auth/status: authenticated, competing, connected, message, MAC, serverInfo', async () => {
    const { body } = await api.post('/iserver/auth/status');
    expect(body).toMatchObject({
      authenticated: true,
      competing: false,
      connected: true,
      message: expect.any(String),
      MAC: expect.any(String),
      serverInfo: { serverName: expect.any(String), serverVersion: expect.any(String) },
    });
  });

  it('GET /portfolio/accounts: an array of accounts with id, accountId, currency, type', async () => {
    const { body } = await api.get('/portfolio/accounts');
    expect(Array.isArray(body)).toBe(true);
    for (const account of body as Record<string, unknown>[]) {
      expect(account).toMatchObject({
        id: expect.any(String),
        accountId: expect.any(String),
        currency: expect.stringMatching(/^[A-Z]{3}$/),
        type: expect.any(String),
      });
    }
    expect((body as { accountId: string }[]).map((account) => account.accountId)).toContain(MAIN_ACCOUNT);
  });

  it('GET /portfolio/{accountId}/positions/{pageId}: up to 100 rows a page from 0, an empty array past the end', async () => {
    const { body } = await api.get(`/portfolio/${MAIN_ACCOUNT}/positions/0`);
    const rows = body as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(100);
    for (const row of rows) {
      expect(row).toMatchObject({
        acctId: MAIN_ACCOUNT,
        conid: expect.any(Number),
        position: expect.any(Number),
        assetClass: expect.stringMatching(/^(STK|OPT|FUT|FOP|CASH|BOND|IND)$/),
        currency: expect.any(String),
        mktPrice: expect.any(Number),
      });
    }
    await sleep(120);
    expect((await api.get(`/portfolio/${MAIN_ACCOUNT}/positions/99`)).body).toEqual([]);
  });

  it('GET /iserver/accounts: accounts and selectedAccount (required before market data)', async () => {
    const { body } = await api.get('/iserver/accounts');
    expect(body).toMatchObject({
      accounts: expect.arrayContaining([MAIN_ACCOUNT]),
      selectedAccount: expect.any(String),
    });
  });

  it('GET /iserver/secdef/search?symbol=: conid, symbol, companyName and the derivative sections', async () => {
    const option = fake.control.model
      .positions(MAIN_ACCOUNT)
      .map((row) => fake.control.model.contract(row.conId)!)
      .find((contract) => contract.secType === 'OPT')!;
    const { body } = await api.get(`/iserver/secdef/search?symbol=${option.symbol}`);
    const [found] = body as Record<string, unknown>[];
    expect(found).toMatchObject({
      conid: expect.stringMatching(/^\d+$/),
      symbol: option.symbol,
      companyName: expect.any(String),
      sections: expect.arrayContaining([{ secType: 'OPT' }]),
    });
  });

  it('GET /iserver/marketdata/snapshot: a pre-flight with conid/conidEx only, then string fields that trickle in', async () => {
    const model = fake.control.model;
    const option = model.positions(MAIN_ACCOUNT).find((row) => model.contract(row.conId)?.secType === 'OPT')!;
    const path = `/iserver/marketdata/snapshot?conids=${option.conId}&fields=31,84,86,7308,7309,7310,7311,7633`;
    expect((await api.get(path)).body).toEqual([{ conid: option.conId, conidEx: String(option.conId) }]);
    const seen: Record<string, unknown>[] = [];
    const started = Date.now();
    while (Date.now() - started < 15_000) {
      await sleep(300);
      const [row] = (await api.get(path)).body as Record<string, unknown>[];
      seen.push(row);
      if (['7308', '7309', '7310', '7311'].every((field) => field in row)) break;
    }
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      conid: option.conId,
      conidEx: String(option.conId),
      _updated: expect.any(Number),
      '6509': expect.stringMatching(/^[RDZYN]/),
    });
    expect(last._updated as number).toBeLessThanOrEqual(Date.now());
    for (const field of ['31', '84', '86', '7308', '7309', '7310', '7311', '7633']) {
      expect([field, typeof last[field]]).toEqual([field, 'string']);
    }
    // Greeks come seconds and several polls after the first values.
    const firstPrice = seen.findIndex((row) => '31' in row);
    const firstDelta = seen.findIndex((row) => '7308' in row);
    expect(firstPrice).toBeGreaterThanOrEqual(0);
    expect(firstDelta).toBeGreaterThan(firstPrice);
  }, 30_000);

  it('POST /iserver/marketdata/unsubscribe {conid} ends one stream; the GET form is gone (404)', async () => {
    const model = fake.control.model;
    const option = model.positions(MAIN_ACCOUNT).find((row) => model.contract(row.conId)?.secType === 'OPT')!;
    expect((await api.get('/iserver/marketdata/unsubscribe')).status).toBe(404);
    await sleep(120);
    expect(await api.post('/iserver/marketdata/unsubscribe', { conid: option.conId })).toEqual({
      status: 200,
      body: { success: true },
    });
    await sleep(120);
    expect((await api.get('/iserver/marketdata/unsubscribeall')).body).toEqual({ unsubscribed: true });
  });

  it('answers 400 "Bad Request: no bridge" on /iserver/accounts while no brokerage session is up', async () => {
    fake.control.setBrokerageSession('lost');
    expect(await api.get('/iserver/accounts')).toEqual({
      status: 400,
      body: { error: 'Bad Request: no bridge', statusCode: 400 },
    });
    await sleep(120);
    await api.post('/iserver/auth/ssodh/init', { publish: true, compete: true });
    await sleep(120);
    expect((await api.get('/iserver/accounts')).status).toBe(200);
  });
});

describe('fake Client Portal limits as IBKR documents them', () => {
  it('429 past 10 requests per second through the gateway, and past 1 /tickle per second', async () => {
    const fake = await startFakeClientPortal({ tls: true, seed: 23 });
    try {
      const api = gateway(fake);
      const burst = await Promise.all(Array.from({ length: 11 }, () => api.post('/iserver/auth/status')));
      expect(burst.filter((answer) => answer.status === 429)).toHaveLength(1);
      await sleep(1100);
      const tickles = await Promise.all([api.post('/tickle'), api.post('/tickle')]);
      expect(tickles.map((answer) => answer.status).sort()).toEqual([200, 429]);
    } finally {
      await fake.close();
    }
  });

  it("serves a certificate like the gateway's own: CN Client Portal Web API, no alternative names, expired", async () => {
    const fake = await startFakeClientPortal({ tls: true, seed: 23, certificate: 'gatewayBundled' });
    try {
      const peer = await new Promise<ReturnType<import('node:tls').TLSSocket['getPeerCertificate']>>(
        (resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port: fake.port, rejectUnauthorized: false }, () => {
            resolve(socket.getPeerCertificate());
            socket.end();
          });
          socket.on('error', reject);
        },
      );
      expect(peer.subject.CN).toBe('Client Portal Web API');
      expect(peer.subjectaltname).toBeUndefined();
      expect(Date.parse(peer.valid_to)).toBeLessThan(Date.now());
    } finally {
      await fake.close();
    }
  });
});
