import { FieldReader } from './fieldReader';
import { ProtocolViolation } from './framing';
import { RequestId, requestNameById } from './messageIds';

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
  | { name: 'unsupported'; id: number };

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

/**
 * Decodes one client message (fields as split from a frame) at server version 193, field orders as `@stoqey/ib`
 * encodes them. Trailing fields beyond what we read are tolerated (other clients append optional ones);
 * malformed values throw ProtocolViolation.
 */
export function parseRequest(fields: readonly string[]): Request {
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
      if (contract.secType.toUpperCase() === 'BAG') {
        const legs = reader.int('comboLegCount');
        reader.skip(legs * 4);
      }
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
      return { name: 'reqContractDetails', reqId, contract: readContract(reader) };
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
    default:
      return { name: 'unsupported', id };
  }
}
