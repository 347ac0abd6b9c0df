import { isOption, type Contract, type MarketModel, type ModelGreeks, type PositionRow } from '../model';

/**
 * Turns model values into what the Client Portal sends: position rows with inconsistently typed fields, and snapshot
 * rows where every value is a string with the gateway's decorations (thousands separators, % on implied vol, C/H
 * prefixes on the last price). Numbers keep full precision so a client's values can be compared with the model's.
 */

export function formatNumber(value: number): string {
  return String(value);
}

/** "5,912.25": the gateway groups thousands in prices and sizes. */
export function formatGrouped(value: number): string {
  const [whole, fraction] = formatNumber(Math.abs(value)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

export function contractDescription(contract: Contract): string {
  if (!isOption(contract))
    return contract.secType === 'FUT' ? `${contract.symbol} ${contract.expiry ?? ''}`.trim() : contract.symbol;
  const month = new Date(Date.UTC(+contract.expiry.slice(0, 4), +contract.expiry.slice(4, 6) - 1, 1))
    .toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })
    .toUpperCase();
  const label = `${contract.symbol}    ${month}${contract.expiry.slice(0, 4)} ${contract.strike} ${contract.right}`;
  return `${label} [${contract.localSymbol} ${contract.multiplier}]`;
}

/** One /portfolio/{acct}/positions row. Even conids get strings where odd ones get numbers, as the gateway mixes both. */
export function positionRow(model: MarketModel, row: PositionRow, t: number): Record<string, unknown> {
  const contract = model.contract(row.conId);
  if (!contract) throw new Error(`position on unknown conId ${row.conId}`);
  const valuation = model.positionValuation(row, t);
  const stringy = row.conId % 2 === 0;
  const option = isOption(contract);
  const underlying = option ? model.contract(contract.underConId) : undefined;
  const multiplier = contract.secType === 'STK' ? 0.0 : contract.multiplier;
  return {
    acctId: row.account,
    conid: row.conId,
    contractDesc: contractDescription(contract),
    position: row.quantity,
    mktPrice: valuation.marketPrice,
    mktValue: valuation.marketValue,
    currency: contract.currency,
    avgCost: row.avgCost,
    avgPrice: contract.multiplier > 0 ? row.avgCost / contract.multiplier : row.avgCost,
    realizedPnl: valuation.realizedPnl,
    unrealizedPnl: valuation.unrealizedPnl,
    exchs: null,
    expiry: option || contract.secType === 'FUT' ? (contract.expiry ?? null) : null,
    putOrCall: option ? contract.right : null,
    multiplier: stringy && multiplier !== 0 ? String(multiplier) : multiplier,
    strike: option ? (stringy ? String(contract.strike) : contract.strike) : stringy ? '0' : 0.0,
    exerciseStyle: option ? 'AMERICAN' : null,
    conExchMap: [],
    assetClass: contract.secType,
    undConid: option ? contract.underConId : 0,
    model: '',
    time: 0,
    chineseName: '',
    allExchanges: contract.exchange,
    listingExchange: contract.primaryExchange || contract.exchange,
    countryCode: 'US',
    name: contract.symbol,
    lastTradingDay: option ? contract.expiry : null,
    group: null,
    sector: null,
    sectorGroup: null,
    ticker: contract.symbol,
    type: contract.secType === 'STK' ? 'COMMON' : '',
    undComp: null,
    undSym: option ? (underlying?.symbol ?? contract.symbol) : contract.symbol,
    fullName: contractDescription(contract),
    pageSize: 100,
    isUS: contract.currency === 'USD',
  };
}

/**
 * 6509 codes: first letter is the availability, "p" consolidated, "B" book. O: the user has not signed the market
 * data API acknowledgement; the fake then still sends values, so a client that reads them as data is caught.
 */
export type AvailabilityCode = 'R' | 'D' | 'Z' | 'Y' | 'N' | 'O';

/**
 * How long after a conid's pre-flight its fields start to arrive (wall-clock ms): prices first, then delta and implied
 * vol, then gamma, theta and vega one lag later. Each conid adds its own share of spreadMs, so some arrive later than
 * others, as on the real gateway where Greeks take seconds and several polls.
 */
export interface FieldDelays {
  pricesMs: number;
  greeksMs: number;
  secondOrderLagMs: number;
  spreadMs: number;
}

export const DEFAULT_FIELD_DELAYS: FieldDelays = {
  pricesMs: 500,
  greeksMs: 2000,
  secondOrderLagMs: 1000,
  spreadMs: 1500,
};
export const NO_FIELD_DELAYS: FieldDelays = { pricesMs: 0, greeksMs: 0, secondOrderLagMs: 0, spreadMs: 0 };

const PRICE_FIELDS = ['31', '7635', '84', '86'];
const FIRST_GREEK_FIELDS = ['7308', '7633'];
const SECOND_ORDER_FIELDS = ['7309', '7310', '7311'];

/** Drops the values that have not arrived yet, ageMs after the pre-flight. */
function withheldFields(conId: number, ageMs: number, delays: FieldDelays): string[] {
  const stagger = ((conId % 4) / 3) * delays.spreadMs;
  const withheld: string[] = [];
  if (ageMs < delays.pricesMs + stagger) withheld.push(...PRICE_FIELDS);
  if (ageMs < delays.greeksMs + stagger) withheld.push(...FIRST_GREEK_FIELDS);
  if (ageMs < delays.greeksMs + stagger + delays.secondOrderLagMs) withheld.push(...SECOND_ORDER_FIELDS);
  return withheld;
}

export interface SnapshotRowInput {
  model: MarketModel;
  conId: number;
  fields: readonly string[];
  t: number;
  subscribedAt: number;
  /** Wall-clock ms since the pre-flight, and when each field group arrives. */
  ageMs: number;
  delays: FieldDelays;
  availability: AvailabilityCode;
  halted: boolean;
  /** Raw strings to send instead of the model's value, e.g. garbage for parser tests. */
  overrides?: Record<string, string>;
}

export interface SnapshotRowOutput {
  row: Record<string, unknown>;
  /** The Greeks this row carried, when it carried them. */
  greeks?: ModelGreeks;
}

/** One /iserver/marketdata/snapshot row after the pre-flight. Keys the gateway has no value for are absent. */
export function snapshotRow(input: SnapshotRowInput): SnapshotRowOutput {
  const { model, conId, t } = input;
  const contract = model.contract(conId);
  const row: Record<string, unknown> = {
    conid: conId,
    conidEx: String(conId),
    _updated: model.bucketStart(t),
    server_id: `q${conId % 7}`,
    '6119': `q${conId % 7}`,
  };
  if (!contract) return { row };
  let sentGreeks: ModelGreeks | undefined;
  const entitlement = contract.entitlement;
  row['6509'] = entitlement === 'notSubscribed' ? 'N' : input.availability === 'O' ? 'O' : `${input.availability}pB`;
  const values: Record<string, string> = {};
  if (entitlement !== 'notSubscribed' && input.availability !== 'N') {
    const mark = model.markPrice(conId, t);
    const closed = input.availability === 'Z' || input.availability === 'Y';
    const prefix = input.halted ? 'H' : closed ? 'C' : '';
    values['31'] = `${prefix}${formatGrouped(mark)}`;
    values['7635'] = formatGrouped(mark);
    values['84'] = formatGrouped(Math.max(0.01, mark - 0.05));
    values['86'] = formatGrouped(mark + 0.05);
    values['55'] = contract.symbol;
    values['6070'] = contract.secType;
    if (isOption(contract)) {
      values['6457'] = String(contract.underConId);
      values['201'] = contract.right;
      const delivery = model.greeksDelivery(conId, t, input.subscribedAt);
      if (delivery.kind === 'computed' && entitlement !== 'noUnderlyingPermission') {
        const greeks = delivery.greeks;
        sentGreeks = greeks;
        values['7308'] = formatNumber(greeks.delta);
        values['7309'] = formatNumber(greeks.gamma);
        values['7310'] = formatNumber(greeks.theta);
        values['7311'] = formatNumber(greeks.vega);
        // Half the conids get the "%" the real gateway sends, half the bare percent some fakes use.
        values['7633'] = `${formatNumber(greeks.impliedVol * 100)}${conId % 2 === 0 ? '%' : ''}`;
      }
    }
  }
  for (const field of withheldFields(conId, input.ageMs, input.delays)) delete values[field];
  Object.assign(values, input.overrides ?? {});
  for (const field of input.fields) {
    if (values[field] !== undefined) row[field] = values[field];
  }
  const carried = sentGreeks && ['7308', '7309', '7310', '7311'].every((field) => row[field] === values[field]);
  return carried ? { row, greeks: sentGreeks } : { row };
}
