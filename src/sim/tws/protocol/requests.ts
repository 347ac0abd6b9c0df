import { FieldReader } from './fieldReader';
import { ProtocolViolation } from './framing';
import { RequestId, requestNameById } from './messageIds';
import { NEWEST_SUPPORTED_VERSION, ServerVersion } from './serverVersions';

/** The contract fields a client sends in reqMktData / reqContractDetails. */
export interface ContractQuery {
  conId: number;
  symbol: string;
  secType: string;
  expiry: string;
  strike: number | undefined;
  right: string;
  multiplier: string;
  exchange: string;
  primaryExchange: string;
  currency: string;
  localSymbol: string;
  tradingClass: string;
}

export type Request =
  | { name: 'startApi'; clientId: number; capabilities: string }
  | {
      name: 'reqMktData';
      reqId: number;
      contract: ContractQuery;
      genericTicks: string;
      snapshot: boolean;
      regulatorySnapshot: boolean;
    }
  | { name: 'cancelMktData'; reqId: number }
  | { name: 'reqAccountUpdates'; subscribe: boolean; account: string }
  | { name: 'reqIds'; count: number }
  | { name: 'reqContractDetails'; reqId: number; contract: ContractQuery }
  | { name: 'reqManagedAccts' }
  | { name: 'reqCurrentTime' }
  | { name: 'reqMarketDataType'; type: number }
  | { name: 'reqPositions' }
  | { name: 'cancelPositions' }
  | { name: 'reqAccountSummary'; reqId: number; group: string; tags: string[] }
  | { name: 'cancelAccountSummary'; reqId: number }
  | { name: 'reqPnL'; reqId: number; account: string; modelCode: string }
  | { name: 'cancelPnL'; reqId: number }
  | { name: 'reqPnLSingle'; reqId: number; account: string; modelCode: string; conId: number }
  | { name: 'cancelPnLSingle'; reqId: number }
  | { name: 'reqOpenOrders' }
  | { name: 'reqAllOpenOrders' }
  | { name: 'reqAutoOpenOrders'; autoBind: boolean }
  | { name: 'reqExecutions'; reqId: number; filter: ExecutionFilter }
  | { name: 'reqCompletedOrders'; apiOnly: boolean }
  | { name: 'reqAccountUpdatesMulti'; reqId: number; account: string; modelCode: string; ledgerAndNlv: boolean }
  | { name: 'cancelAccountUpdatesMulti'; reqId: number }
  | { name: 'reqPositionsMulti'; reqId: number; account: string; modelCode: string }
  | { name: 'cancelPositionsMulti'; reqId: number }
  | { name: 'reqHistoricalData'; reqId: number; query: HistoricalDataQuery }
  | { name: 'cancelHistoricalData'; reqId: number }
  | ({ name: 'reqCalcOptionPrice'; volatility: number | undefined } & CalculationQuery)
  | ({ name: 'reqCalcImpliedVolat'; optionPrice: number | undefined } & CalculationQuery)
  | { name: 'cancelCalcOptionPrice'; reqId: number }
  | { name: 'cancelCalcImpliedVolat'; reqId: number }
  | { name: 'unsupported'; id: number };

/** What calculateOptionPrice and calculateImpliedVolatility share: the option and the underlying price to use. */
export interface CalculationQuery {
  reqId: number;
  contract: ContractQuery;
  underlyingPrice: number | undefined;
  /** The options TagValue list ("tag=value;" pairs in one field): reserved by IBKR, sent empty by clients. */
  options: string;
}

export interface ExecutionFilter {
  clientId: number;
  account: string;
  time: string;
  symbol: string;
  secType: string;
  exchange: string;
  side: string;
}

export interface HistoricalDataQuery {
  contract: ContractQuery;
  includeExpired: boolean;
  /** `yyyyMMdd HH:mm:ss[ zone]` or empty for now. */
  endDateTime: string;
  barSize: string;
  duration: string;
  useRth: boolean;
  whatToShow: string;
  /** 1: `yyyyMMdd[  HH:mm:ss]` strings, 2: epoch seconds. */
  formatDate: number;
  keepUpToDate: boolean;
}

function readContract(reader: FieldReader): ContractQuery {
  return {
    conId: reader.int('conId'),
    symbol: reader.str('symbol'),
    secType: reader.str('secType'),
    expiry: reader.str('lastTradeDateOrContractMonth'),
    strike: reader.num('strike'),
    right: reader.str('right'),
    multiplier: reader.str('multiplier'),
    exchange: reader.str('exchange'),
    primaryExchange: reader.str('primaryExch'),
    currency: reader.str('currency'),
    localSymbol: reader.str('localSymbol'),
    tradingClass: reader.str('tradingClass'),
  };
}

function skipComboLegs(reader: FieldReader, contract: ContractQuery): void {
  if (contract.secType.toUpperCase() !== 'BAG') return;
  const legs = reader.int('comboLegCount');
  reader.skip(legs * 4);
}

/**
 * Decodes one client message (fields as split from a frame) laid out for the negotiated server version, field orders
 * as IBKR's EClient encodes them. Trailing fields beyond what we read are tolerated (other clients append optional
 * ones); malformed values throw ProtocolViolation.
 */
export function parseRequest(fields: readonly string[], serverVersion = NEWEST_SUPPORTED_VERSION): Request {
  const idText = fields[0] ?? '';
  if (!/^\d+$/.test(idText))
    throw new ProtocolViolation(`message id is not a number: ${JSON.stringify(idText.slice(0, 30))}`);
  const id = Number(idText);
  const name = requestNameById.get(id);
  if (!name) return { name: 'unsupported', id };
  const reader = new FieldReader(fields.slice(1), name);
  switch (id) {
    case RequestId.startApi:
      reader.int('version');
      return {
        name: 'startApi',
        clientId: reader.int('clientId'),
        capabilities: fields.length > 3 ? reader.str('optionalCapabilities') : '',
      };
    case RequestId.reqMktData: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const contract = readContract(reader);
      skipComboLegs(reader, contract);
      if (reader.bool('deltaNeutral')) reader.skip(3);
      const genericTicks = reader.str('genericTickList');
      const snapshot = reader.bool('snapshot');
      const regulatorySnapshot = reader.bool('regulatorySnapshot');
      return { name: 'reqMktData', reqId, contract, genericTicks, snapshot, regulatorySnapshot };
    }
    case RequestId.cancelMktData:
      reader.int('version');
      return { name: 'cancelMktData', reqId: reader.int('reqId') };
    case RequestId.reqAccountUpdates:
      reader.int('version');
      return { name: 'reqAccountUpdates', subscribe: reader.bool('subscribe'), account: reader.str('acctCode') };
    case RequestId.reqIds:
      reader.int('version');
      return { name: 'reqIds', count: reader.int('numIds') };
    case RequestId.reqContractDetails: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const contract = readContract(reader);
      reader.bool('includeExpired');
      reader.str('secIdType');
      reader.str('secId');
      if (serverVersion >= ServerVersion.bondIssuerId) reader.str('issuerId');
      return { name: 'reqContractDetails', reqId, contract };
    }
    case RequestId.reqManagedAccts:
      return { name: 'reqManagedAccts' };
    case RequestId.reqCurrentTime:
      return { name: 'reqCurrentTime' };
    case RequestId.reqMarketDataType:
      reader.int('version');
      return { name: 'reqMarketDataType', type: reader.int('marketDataType') };
    case RequestId.reqPositions:
      return { name: 'reqPositions' };
    case RequestId.cancelPositions:
      return { name: 'cancelPositions' };
    case RequestId.reqAccountSummary: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const group = reader.str('group');
      const tags = reader
        .str('tags')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean);
      return { name: 'reqAccountSummary', reqId, group, tags };
    }
    case RequestId.cancelAccountSummary:
      reader.int('version');
      return { name: 'cancelAccountSummary', reqId: reader.int('reqId') };
    case RequestId.reqPnL:
      return {
        name: 'reqPnL',
        reqId: reader.int('reqId'),
        account: reader.str('account'),
        modelCode: reader.str('modelCode'),
      };
    case RequestId.cancelPnL:
      return { name: 'cancelPnL', reqId: reader.int('reqId') };
    case RequestId.reqPnLSingle:
      return {
        name: 'reqPnLSingle',
        reqId: reader.int('reqId'),
        account: reader.str('account'),
        modelCode: reader.str('modelCode'),
        conId: reader.int('conId'),
      };
    case RequestId.cancelPnLSingle:
      return { name: 'cancelPnLSingle', reqId: reader.int('reqId') };
    case RequestId.reqOpenOrders:
      return { name: 'reqOpenOrders' };
    case RequestId.reqAllOpenOrders:
      return { name: 'reqAllOpenOrders' };
    case RequestId.reqAutoOpenOrders:
      reader.int('version');
      return { name: 'reqAutoOpenOrders', autoBind: reader.bool('autoBind') };
    case RequestId.reqExecutions: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const filter: ExecutionFilter = {
        clientId: reader.int('clientId'),
        account: reader.str('acctCode'),
        time: reader.str('time'),
        symbol: reader.str('symbol'),
        secType: reader.str('secType'),
        exchange: reader.str('exchange'),
        side: reader.str('side'),
      };
      return { name: 'reqExecutions', reqId, filter };
    }
    case RequestId.reqCompletedOrders:
      return { name: 'reqCompletedOrders', apiOnly: reader.bool('apiOnly') };
    case RequestId.reqAccountUpdatesMulti:
      reader.int('version');
      return {
        name: 'reqAccountUpdatesMulti',
        reqId: reader.int('reqId'),
        account: reader.str('account'),
        modelCode: reader.str('modelCode'),
        ledgerAndNlv: reader.bool('ledgerAndNLV'),
      };
    case RequestId.cancelAccountUpdatesMulti:
      reader.int('version');
      return { name: 'cancelAccountUpdatesMulti', reqId: reader.int('reqId') };
    case RequestId.reqPositionsMulti:
      reader.int('version');
      return {
        name: 'reqPositionsMulti',
        reqId: reader.int('reqId'),
        account: reader.str('account'),
        modelCode: reader.str('modelCode'),
      };
    case RequestId.cancelPositionsMulti:
      reader.int('version');
      return { name: 'cancelPositionsMulti', reqId: reader.int('reqId') };
    case RequestId.reqHistoricalData: {
      // No version field at the versions served (it went away at 124, SYNT_REALTIME_BARS).
      const reqId = reader.int('reqId');
      const contract = readContract(reader);
      const includeExpired = reader.bool('includeExpired');
      const endDateTime = reader.str('endDateTime');
      const barSize = reader.str('barSizeSetting');
      const duration = reader.str('durationStr');
      const useRth = reader.bool('useRTH');
      const whatToShow = reader.str('whatToShow');
      const formatDate = reader.int('formatDate');
      skipComboLegs(reader, contract);
      const keepUpToDate = reader.bool('keepUpToDate');
      const query = {
        contract,
        includeExpired,
        endDateTime,
        barSize,
        duration,
        useRth,
        whatToShow,
        formatDate,
        keepUpToDate,
      };
      return { name: 'reqHistoricalData', reqId, query };
    }
    case RequestId.cancelHistoricalData:
      reader.int('version');
      return { name: 'cancelHistoricalData', reqId: reader.int('reqId') };
    /*
     * calculateImpliedVolatility (54) and calculateOptionPrice (55), message version 2: reqId, the contract from
     * conId to tradingClass (tradingClass since server version 68, TRADING_CLASS), then the option price or the
     * volatility, the underlying price, and since 70 (LINKING) the options TagValue list flattened into one
     * "tag=value;" field. Both thresholds are below the oldest version served, so every layout has all fields.
     */
    case RequestId.reqCalcImpliedVolat: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const contract = readContract(reader);
      const optionPrice = reader.num('optionPrice');
      const underlyingPrice = reader.num('underPrice');
      const options = reader.str('implVolOptions');
      return { name: 'reqCalcImpliedVolat', reqId, contract, optionPrice, underlyingPrice, options };
    }
    case RequestId.reqCalcOptionPrice: {
      reader.int('version');
      const reqId = reader.int('reqId');
      const contract = readContract(reader);
      const volatility = reader.num('volatility');
      const underlyingPrice = reader.num('underPrice');
      const options = reader.str('optPrcOptions');
      return { name: 'reqCalcOptionPrice', reqId, contract, volatility, underlyingPrice, options };
    }
    case RequestId.cancelCalcImpliedVolat:
      reader.int('version');
      return { name: 'cancelCalcImpliedVolat', reqId: reader.int('reqId') };
    case RequestId.cancelCalcOptionPrice:
      reader.int('version');
      return { name: 'cancelCalcOptionPrice', reqId: reader.int('reqId') };
    default:
      return { name: 'unsupported', id };
  }
}
