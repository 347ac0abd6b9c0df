import { Contract, isOption } from '../../model';
import { DOUBLE_MAX, Field } from './framing';
import { ReplyId } from './messageIds';
import { NEWEST_SUPPORTED_VERSION, ServerVersion } from './serverVersions';
import { statusText } from './statusCodes';

/**
 * Builders for every message the simulator sends, field orders as IBKR's EDecoder reads them at server version 193;
 * contract details take the negotiated version, and versionedLayout.ts adapts the error message and
 * tickOptionComputation.
 * Doubles are written with JavaScript's shortest round-trip form, so the client parses back the exact value.
 */

export type Frame = Field[];

/** A number field, or Double.MAX ("unknown") for undefined. */
export function num(value: number | undefined): Field {
  return value === undefined || !Number.isFinite(value) ? DOUBLE_MAX : value;
}

function expiryOf(contract: Contract): string {
  return contract.expiry ?? '';
}

function strikeOf(contract: Contract): number {
  return isOption(contract) ? contract.strike : 0;
}

function rightOf(contract: Contract): string {
  return isOption(contract) ? contract.right : '';
}

/** IBKR sends an empty multiplier for stocks (and, at times, for an option or future whose multiplier it lacks). */
function multiplierOf(contract: Contract): Field {
  return contract.secType === 'STK' || !(contract.multiplier > 0) ? '' : contract.multiplier;
}

/**
 * The contract fields of position, portfolio and position-multi messages, from conId to tradingClass. `exchange`
 * is the one field that differs: empty in position messages, the primary exchange in portfolio messages.
 */
function contractFields(contract: Contract, exchange: string): Field[] {
  return [
    contract.conId,
    contract.symbol,
    contract.secType,
    expiryOf(contract),
    strikeOf(contract),
    rightOf(contract),
    multiplierOf(contract),
    exchange,
    contract.currency,
    contract.localSymbol,
    contract.tradingClass,
  ];
}

/** IBKR leaves the exchange empty in position messages; clients must use the conId. */
const POSITION_EXCHANGE = '';

export const replies = {
  serverVersion: (version: number, connectionTime: string): Frame => [version, connectionTime],
  error: (id: number, code: number, text = statusText(code)): Frame => [ReplyId.error, 2, id, code, text, ''],
  managedAccounts: (accounts: readonly string[]): Frame => [ReplyId.managedAccounts, 1, accounts.join(',')],
  nextValidId: (orderId: number): Frame => [ReplyId.nextValidId, 1, orderId],
  currentTime: (epochSeconds: number): Frame => [ReplyId.currentTime, 1, epochSeconds],

  position: (account: string, contract: Contract, quantity: number, avgCost: number): Frame => [
    ReplyId.position,
    3,
    account,
    ...contractFields(contract, POSITION_EXCHANGE),
    quantity,
    avgCost,
  ],
  positionEnd: (): Frame => [ReplyId.positionEnd, 1],

  updateAccountValue: (key: string, value: string, currency: string, account: string): Frame => [
    ReplyId.updateAccountValue,
    2,
    key,
    value,
    currency,
    account,
  ],
  updatePortfolio: (
    contract: Contract,
    values: {
      position: number;
      marketPrice: number;
      marketValue: number;
      averageCost: number;
      unrealizedPnl: number;
      realizedPnl: number;
    },
    account: string,
  ): Frame => [
    ReplyId.updatePortfolio,
    8,
    ...contractFields(contract, contract.primaryExchange),
    values.position,
    values.marketPrice,
    values.marketValue,
    values.averageCost,
    values.unrealizedPnl,
    values.realizedPnl,
    account,
  ],
  updateAccountTime: (hhmm: string): Frame => [ReplyId.updateAccountTime, 1, hhmm],
  accountDownloadEnd: (account: string): Frame => [ReplyId.accountDownloadEnd, 1, account],

  accountSummary: (reqId: number, account: string, tag: string, value: string, currency: string): Frame => [
    ReplyId.accountSummary,
    1,
    reqId,
    account,
    tag,
    value,
    currency,
  ],
  accountSummaryEnd: (reqId: number): Frame => [ReplyId.accountSummaryEnd, 1, reqId],

  pnl: (
    reqId: number,
    daily: number | undefined,
    unrealized: number | undefined,
    realized: number | undefined,
  ): Frame => [ReplyId.pnl, reqId, num(daily), num(unrealized), num(realized)],
  pnlSingle: (
    reqId: number,
    position: number,
    daily: number | undefined,
    unrealized: number | undefined,
    realized: number | undefined,
    value: number | undefined,
  ): Frame => [ReplyId.pnlSingle, reqId, position, num(daily), num(unrealized), num(realized), num(value)],

  marketDataType: (reqId: number, type: number): Frame => [ReplyId.marketDataType, 1, reqId, type],
  tickReqParams: (reqId: number, minTick: string, bboExchange: string, snapshotPermissions: number): Frame => [
    ReplyId.tickReqParams,
    reqId,
    minTick,
    bboExchange,
    snapshotPermissions,
  ],
  tickPrice: (reqId: number, tickType: number, price: number, size: number | '', attrMask = 0): Frame => [
    ReplyId.tickPrice,
    6,
    reqId,
    tickType,
    price,
    size,
    attrMask,
  ],
  tickSize: (reqId: number, tickType: number, size: number): Frame => [ReplyId.tickSize, 6, reqId, tickType, size],
  tickGeneric: (reqId: number, tickType: number, value: number): Frame => [
    ReplyId.tickGeneric,
    6,
    reqId,
    tickType,
    value,
  ],
  tickString: (reqId: number, tickType: number, value: string): Frame => [
    ReplyId.tickString,
    6,
    reqId,
    tickType,
    value,
  ],
  /** values: impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice (already encoded). */
  tickOptionComputation: (reqId: number, tickType: number, tickAttrib: number, values: readonly Field[]): Frame => [
    ReplyId.tickOptionComputation,
    reqId,
    tickType,
    tickAttrib,
    ...values,
  ],
  tickSnapshotEnd: (reqId: number): Frame => [ReplyId.tickSnapshotEnd, 1, reqId],

  /** Contract details laid out for the negotiated version (the message changed at 152, 163, 164, 182 and 186). */
  contractDetails: (reqId: number, contract: Contract, serverVersion = NEWEST_SUPPORTED_VERSION): Frame => {
    const option = isOption(contract) ? contract : undefined;
    const v = serverVersion;
    const sizeRules = v >= ServerVersion.sizeRules;
    return [
      ReplyId.contractDetails,
      ...(sizeRules ? [] : [8]), // message version, dropped at 164
      reqId,
      contract.symbol,
      contract.secType,
      expiryOf(contract),
      ...(v >= ServerVersion.lastTradeDate ? [expiryOf(contract)] : []), // lastTradeDate
      strikeOf(contract),
      rightOf(contract),
      contract.exchange,
      contract.currency,
      contract.localSymbol,
      contract.tradingClass, // marketName
      contract.tradingClass,
      contract.conId,
      contract.secType === 'FUT' || contract.secType === 'FOP' ? 0.25 : 0.01, // minTick
      ...(sizeRules ? [] : [1]), // mdSizeMultiplier, until 164
      multiplierOf(contract),
      'LMT,MKT', // orderTypes
      contract.exchange, // validExchanges
      1, // priceMagnifier
      option ? option.underConId : 0,
      contract.symbol, // longName
      contract.primaryExchange,
      expiryOf(contract).slice(0, 6), // contractMonth
      '', // industry
      '', // category
      '', // subcategory
      'US/Eastern',
      '', // tradingHours
      '', // liquidHours
      '', // evRule
      '', // evMultiplier
      0, // secIdListCount
      0, // aggGroup
      option ? option.symbol : '', // underSymbol
      option ? (option.secType === 'FOP' ? 'FUT' : 'STK') : '', // underSecType
      '', // marketRuleIds
      expiryOf(contract), // realExpirationDate
      ...(v >= ServerVersion.stockType ? [contract.secType === 'STK' ? 'COMMON' : ''] : []), // stockType
      ...(v === ServerVersion.fractionalSizeSupport ? [1] : []), // sizeMinTick, at 163 only
      ...(sizeRules ? [1, 1, 1] : []), // minSize, sizeIncrement, suggestedSizeIncrement
      ...(v >= ServerVersion.ineligibilityReasons ? [0] : []), // ineligibilityReasonCount
    ];
  },
  contractDetailsEnd: (reqId: number): Frame => [ReplyId.contractDetailsEnd, 1, reqId],

  openOrderEnd: (): Frame => [ReplyId.openOrderEnd, 1],
  execDetailsEnd: (reqId: number): Frame => [ReplyId.execDetailsEnd, 1, reqId],
  completedOrdersEnd: (): Frame => [ReplyId.completedOrdersEnd],

  positionMulti: (
    reqId: number,
    account: string,
    modelCode: string,
    contract: Contract,
    quantity: number,
    avgCost: number,
  ): Frame => [
    ReplyId.positionMulti,
    1,
    reqId,
    account,
    ...contractFields(contract, POSITION_EXCHANGE),
    quantity,
    avgCost,
    modelCode,
  ],
  positionMultiEnd: (reqId: number): Frame => [ReplyId.positionMultiEnd, 1, reqId],
  accountUpdateMulti: (
    reqId: number,
    account: string,
    modelCode: string,
    key: string,
    value: string,
    currency: string,
  ): Frame => [ReplyId.accountUpdateMulti, 1, reqId, account, modelCode, key, value, currency],
  accountUpdateMultiEnd: (reqId: number): Frame => [ReplyId.accountUpdateMultiEnd, 1, reqId],

  /** All bars of one request in one message (no version field at the versions served), then the client's end mark. */
  historicalData: (reqId: number, start: string, end: string, bars: readonly HistoricalBar[]): Frame => [
    ReplyId.historicalData,
    reqId,
    start,
    end,
    bars.length,
    ...bars.flatMap((bar) => [bar.date, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.wap, bar.count]),
  ],
};

export interface HistoricalBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  wap: number;
  count: number;
}
