import { isOption, type MarketModel, type ModelGreeks, type PositionRow } from '../model';
import { ledgerBody, stocksBody } from './accountBooks';
import { positionRow, snapshotRow, type AvailabilityCode, type FieldDelays } from './rowFormat';
import type { FakeSession } from './sessionState';

export interface ApiRequest {
  method: string;
  /** Path below /v1/api, without the query. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface PortalApiSettings {
  /** Refuse /portfolio/{acct}/... before /portfolio/accounts and snapshots before /iserver/accounts. Default true. */
  enforceCallOrder: boolean;
  /** The accounts the login manages (listed by /portfolio/accounts); default every account of the model. */
  managedAccounts?: string[];
  /** Position rows of these conids carry multiplier null, as the gateway sends for some futures and options. */
  nullMultiplierConIds?: number[];
  /** /iserver/contract/{conid}/info answers 500 for these conids (as for a contract the gateway cannot find). */
  contractInfoRefusedConIds?: number[];
  /**
   * IBKR's documentation asks for /iserver/secdef/search on the underlying's symbol before market data for a
   * derivative: until then an OPT/FOP conid answers only conid/conidEx. Default true.
   */
  derivativesNeedSecdefSearch: boolean;
  /** When fields arrive after the pre-flight. Default DEFAULT_FIELD_DELAYS (a few seconds). */
  fieldDelays: FieldDelays;
}

const PAGE_SIZE = 100;
const USER_ID = 12345678;

const json = (body: unknown, status = 200): ApiResponse => ({ status, body });
const noSession = (): ApiResponse => json({ error: 'not authenticated', statusCode: 401 }, 401);
/** What the gateway answers on /iserver while no brokerage session (bridge) is up. */
const noBridge = (): ApiResponse => json({ error: 'Bad Request: no bridge', statusCode: 400 }, 400);

/**
 * The /v1/api routes of the fake Client Portal, answering from the shared market model. Session state decides who
 * may call what; faults (latency, 429, corruption, resets, outage) are applied around this by the server.
 */
export class PortalApi {
  availability: AvailabilityCode = 'R';
  readonly halted = new Set<number>();
  readonly fieldOverrides = new Map<number, Record<string, string>>();
  /** Frozen conids: the row they answer with from the freeze on (old values, old _updated); undefined until the first. */
  readonly frozen = new Map<number, Record<string, unknown> | undefined>();
  /** conid → market-clock time its stream started; absent = next request is the pre-flight. */
  private readonly subscriptions = new Map<number, { since: number; sinceWall: number; fields: string[] }>();
  /** conid → the Greeks of the last row that carried them (what a client should now hold). */
  readonly lastSentGreeks = new Map<number, ModelGreeks>();
  /** Per account: the positions the backend cached at the first read after an invalidate. */
  private readonly positionCache = new Map<string, PositionRow[]>();

  constructor(
    private readonly model: MarketModel,
    private readonly session: FakeSession,
    private readonly settings: PortalApiSettings,
    private readonly clock: () => number,
  ) {}

  /** A new brokerage session starts with no market-data streams. */
  resetSubscriptions(): void {
    this.subscriptions.clear();
  }

  subscribedConIds(): number[] {
    return [...this.subscriptions.keys()];
  }

  handle(request: ApiRequest, outage: boolean): ApiResponse {
    const { method, path } = request;
    if (path === '/tickle') return this.tickle(outage);
    if (path === '/sso/validate') return this.session.loggedIn ? this.ssoValidate() : noSession();
    if (path === '/logout' && method === 'POST') {
      this.session.logout();
      return json({ status: true });
    }
    if (!this.session.loggedIn) return noSession();
    if (path.startsWith('/portfolio')) return this.portfolio(request);
    if (path === '/trsrv/stocks') return json(stocksBody(this.model, request.query.get('symbols') ?? ''));
    if (path.startsWith('/iserver')) {
      if (outage) return json({ error: 'Service Unavailable' }, 503);
      return this.iserver(request);
    }
    return json({ error: `no route ${method} ${path}` }, 404);
  }

  private tickle(outage: boolean): ApiResponse {
    if (!this.session.loggedIn) return json({ error: 'no session' });
    return json({
      session: this.session.cookie.slice(0, 32),
      ssoExpires: 600_000,
      collission: false,
      userId: USER_ID,
      hmds: { error: 'no bridge' },
      iserver: { authStatus: this.session.authStatus(outage) },
    });
  }

  private ssoValidate(): ApiResponse {
    return json({
      USER_ID,
      USER_NAME: 'fakeuser1',
      RESULT: true,
      AUTH_TIME: Date.now(),
      SF_ENABLED: false,
      IS_FREE_TRIAL: false,
      EXPIRES: 600_000,
      LOGIN_TYPE: 2,
      PAPER_USER_NAME: 'fakeuser1',
    });
  }

  private portfolio(request: ApiRequest): ApiResponse {
    const { method, path } = request;
    if (path === '/portfolio/accounts' || path === '/portfolio/subaccounts') {
      this.session.portfolioAccountsQueried = true;
      const managed = this.settings.managedAccounts;
      const accounts = this.model.accounts().filter((account) => !managed || managed.includes(account.id));
      return json(accounts.map((account) => this.accountRow(account.id, account.baseCurrency)));
    }
    const ledger = /^\/portfolio\/([^/]+)\/ledger$/.exec(path);
    if (ledger) return this.ledger(decodeURIComponent(ledger[1]));
    const match = /^\/portfolio2?\/([^/]+)\/positions(?:\/(\d+|invalidate))?$/.exec(path);
    if (!match) return json({ error: `no route ${method} ${path}` }, 404);
    const account = decodeURIComponent(match[1]);
    if (!this.model.accounts().some((candidate) => candidate.id === account)) {
      return json({ error: `Account ${account} not found` }, 400);
    }
    if (this.settings.enforceCallOrder && !this.session.portfolioAccountsQueried) {
      return json({ error: 'Please query /portfolio/accounts first' }, 400);
    }
    const t = this.clock();
    if (path.startsWith('/portfolio2/')) {
      return json(this.model.positions(account).map((row) => positionRow(this.model, row, t)));
    }
    if (match[2] === 'invalidate') {
      if (method !== 'POST') return json({ error: 'method not allowed' }, 405);
      this.positionCache.delete(account);
      return json({ message: 'success' });
    }
    const page = Number(match[2] ?? 0);
    let cached = this.positionCache.get(account);
    if (!cached) {
      cached = this.model.positions(account).sort((a, b) => a.conId - b.conId);
      this.positionCache.set(account, cached);
    }
    const nullMultiplier = new Set(this.settings.nullMultiplierConIds ?? []);
    return json(
      cached
        .slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)
        .map((row) => positionRow(this.model, row, t))
        .map((row) => (nullMultiplier.has(row.conid as number) ? { ...row, multiplier: null } : row)),
    );
  }

  private ledger(accountId: string): ApiResponse {
    const account = this.model.accounts().find((candidate) => candidate.id === accountId);
    if (!account) return json({ error: `Account ${accountId} not found` }, 400);
    if (this.settings.enforceCallOrder && !this.session.portfolioAccountsQueried) {
      return json({ error: 'Please query /portfolio/accounts first' }, 400);
    }
    return json(ledgerBody(this.model, account, this.clock()));
  }

  private accountRow(id: string, currency: string): Record<string, unknown> {
    return {
      id,
      accountId: id,
      accountVan: id,
      accountTitle: `Fake ${id}`,
      displayName: id,
      accountAlias: null,
      accountStatus: 1_700_000_000_000,
      currency,
      type: 'DEMO',
      tradingType: 'STKNOPT',
      businessType: 'IB_PROSERVE',
      ibEntity: 'IBLLC-US',
      faclient: false,
      clearingStatus: 'O',
      covestor: false,
      noClientTrading: false,
      trackVirtualFXPortfolio: true,
      parent: { mmc: [], accountId: '', isMParent: false, isMChild: false, isMultiplex: false },
      desc: id,
    };
  }

  private iserver(request: ApiRequest): ApiResponse {
    const { method, path } = request;
    switch (path) {
      case '/iserver/auth/status':
        return json(this.session.authStatus(false));
      case '/iserver/reauthenticate':
        if (method !== 'POST') return json({ error: 'method not allowed' }, 405);
        this.session.reauthenticate();
        return json({ message: 'triggered' });
      case '/iserver/auth/ssodh/init': {
        if (method !== 'POST') return json({ error: 'method not allowed' }, 405);
        const body = (request.body ?? {}) as { compete?: unknown };
        this.session.ssodhInit(body.compete === true);
        return json(this.session.authStatus(false));
      }
    }
    if (this.session.brokerage === 'noBridge') return noBridge();
    if (this.session.brokerage !== 'authenticated') {
      if (path === '/iserver/accounts' && this.session.brokerage === 'competing') return json({});
      return path === '/iserver/accounts' ? noBridge() : noSession();
    }
    switch (path) {
      case '/iserver/accounts': {
        this.session.iserverAccountsQueried = true;
        const accounts = this.model.accounts().map((account) => account.id);
        return json({
          accounts,
          acctProps: Object.fromEntries(accounts.map((id) => [id, { hasChildAccounts: false, supportsCashQty: true }])),
          aliases: Object.fromEntries(accounts.map((id) => [id, id])),
          allowFeatures: { showGFIS: true, allowTypeAhead: true },
          groups: [],
          profiles: [],
          selectedAccount: accounts[0],
          serverInfo: { serverName: 'JifN19053', serverVersion: 'Build 10.25.0p' },
          sessionId: this.session.cookie.slice(0, 16),
          isFT: false,
          isPaper: true,
        });
      }
      case '/iserver/marketdata/snapshot':
        return this.snapshot(request.query);
      case '/iserver/marketdata/unsubscribeall':
        this.subscriptions.clear();
        return json({ unsubscribed: true });
      case '/iserver/marketdata/unsubscribe': {
        // Only the POST form exists; the older GET form answers 404 like any unknown route.
        if (method !== 'POST') break;
        const conId = Number((request.body as { conid?: unknown } | undefined)?.conid);
        if (!Number.isInteger(conId) || conId <= 0)
          return json({ error: 'conid: a positive integer is required' }, 400);
        return json({ success: this.subscriptions.delete(conId) });
      }
      case '/iserver/secdef/search':
        return this.secdefSearch(request);
    }
    const info = /^\/iserver\/contract\/(\d+)\/info$/.exec(path);
    if (info) return this.contractInfo(Number(info[1]));
    return json({ error: `no route ${method} ${path}` }, 404);
  }

  /** A subset of the gateway's contract info: what the adapter reads (the multiplier) and how it identifies it. */
  private contractInfo(conId: number): ApiResponse {
    const contract = this.model.contract(conId);
    if (!contract || (this.settings.contractInfoRefusedConIds ?? []).includes(conId)) {
      return json({ error: `Contract info for ${conId} not found` }, 500);
    }
    return json({
      con_id: conId,
      symbol: contract.symbol,
      local_symbol: contract.localSymbol,
      instrument_type: contract.secType,
      currency: contract.currency,
      multiplier: contract.secType === 'STK' ? '' : String(contract.multiplier),
    });
  }

  /** GET ?symbol= or POST {symbol}: the underlyings with that symbol and the derivative sections they have. */
  private secdefSearch(request: ApiRequest): ApiResponse {
    const fromBody = (request.body as { symbol?: unknown } | undefined)?.symbol;
    const symbol = String((request.method === 'POST' ? fromBody : request.query.get('symbol')) ?? '').toUpperCase();
    if (!symbol) return json({ error: 'symbol required' }, 400);
    this.session.searchedSymbols.add(symbol);
    const contracts = this.model.contracts();
    const rows = contracts
      .filter((contract) => !isOption(contract) && contract.symbol.toUpperCase() === symbol)
      .map((underlying) => {
        const derivatives = new Set(
          contracts
            .filter((contract) => isOption(contract) && contract.underConId === underlying.conId)
            .map((contract) => contract.secType),
        );
        return {
          conid: String(underlying.conId),
          companyHeader: `${underlying.symbol} - ${underlying.primaryExchange || underlying.exchange}`,
          companyName: underlying.symbol,
          symbol: underlying.symbol,
          description: underlying.primaryExchange || underlying.exchange,
          restricted: null,
          sections: [{ secType: underlying.secType }, ...[...derivatives].map((secType) => ({ secType }))],
        };
      });
    return json(rows);
  }

  /** Whether the documented prerequisite for this conid's market data is met. */
  private marketDataAllowed(conId: number): boolean {
    const contract = this.model.contract(conId);
    if (!contract || !isOption(contract) || !this.settings.derivativesNeedSecdefSearch) return true;
    return this.session.searchedSymbols.has(contract.symbol.toUpperCase());
  }

  private snapshot(query: URLSearchParams): ApiResponse {
    if (this.settings.enforceCallOrder && !this.session.iserverAccountsQueried) {
      return json({ error: 'Please query /iserver/accounts first' }, 400);
    }
    const conIdsParam = query.get('conids') ?? '';
    const conIds = conIdsParam.split(',').filter(Boolean).map(Number);
    if (conIds.length === 0 || conIds.some((conId) => !Number.isInteger(conId) || conId <= 0)) {
      return json({ error: 'conids: a comma-separated list of positive integers is required' }, 400);
    }
    const requestedFields = (query.get('fields') ?? '').split(',').filter(Boolean);
    const t = this.clock();
    const rows = conIds.map((conId) => {
      const subscription = this.subscriptions.get(conId);
      if (!this.marketDataAllowed(conId)) return { conid: conId, conidEx: String(conId) };
      if (!subscription || !this.model.contract(conId)) {
        // Pre-flight: the first request only starts the stream.
        if (this.model.contract(conId)) {
          this.subscriptions.set(conId, { since: t, sinceWall: Date.now(), fields: requestedFields });
        }
        return { conid: conId, conidEx: String(conId) };
      }
      if (requestedFields.length > 0) subscription.fields = [...new Set([...subscription.fields, ...requestedFields])];
      const output = snapshotRow({
        model: this.model,
        conId,
        fields: subscription.fields,
        t,
        subscribedAt: subscription.since,
        ageMs: Date.now() - subscription.sinceWall,
        delays: this.settings.fieldDelays,
        availability: this.availability,
        halted: this.halted.has(conId),
        overrides: this.fieldOverrides.get(conId),
      });
      if (this.frozen.has(conId)) {
        const kept = this.frozen.get(conId) ?? output.row;
        this.frozen.set(conId, kept);
        return { ...kept };
      }
      if (output.greeks) this.lastSentGreeks.set(conId, output.greeks);
      return output.row;
    });
    return json(rows);
  }
}
