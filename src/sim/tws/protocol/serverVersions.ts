/**
 * Server versions of the TWS API (IBKR's `MIN_SERVER_VER_*` constants) at which a message the simulator speaks
 * changes shape. A real gateway answers min(its maximum, the client's maximum) and lays every message out for that
 * version; the simulator does the same for every version from OLDEST_SUPPORTED to NEWEST_SUPPORTED.
 */
export const ServerVersion = {
  /** contract details carry stockType after realExpirationDate. */
  stockType: 152,
  /**
   * From 153 (ENCODE_MSG_ASCII7) a client decodes `\uXXXX` escapes in error texts and contract long names. The
   * simulator's texts are plain ASCII, so both layouts are the same bytes and no builder needs the version.
   */
  encodeMsgAscii7: 153,
  /** tickOptionComputation: a version field (6) below this, the tickAttrib field (0: return based) from it on. */
  priceBasedVolatility: 156,
  /** contract details carry a version field below this, mdSizeMultiplier from 110, sizeMinTick at 163. */
  fractionalSizeSupport: 163,
  /** contract details: no version field, minSize / sizeIncrement / suggestedSizeIncrement instead. */
  sizeRules: 164,
  /** error messages gain advancedOrderRejectJson. */
  advancedOrderReject: 166,
  /** reqContractDetails carries issuerId. */
  bondIssuerId: 176,
  /** contract details carry lastTradeDate after lastTradeDateOrContractMonth. */
  lastTradeDate: 182,
  /** contract details end with the ineligibility-reason list. */
  ineligibilityReasons: 186,
} as const;

/**
 * The oldest client maximum the simulator serves. A gateway answers a client offering v100..151 (the range of
 * clients ported from IBKR's Python API 9.76, such as ib-tws-api) with 151; 154 (SEND_ALL_FAMILY_CODES), 155
 * (NO_DEFAULT_OPEN_CLOSE) and 157 (REPLACE_FA_END) change only requests the simulator does not speak.
 */
export const OLDEST_SUPPORTED_VERSION = 151;
/** The newest version the simulator can encode: the last one before protobuf (201) and errorTime (194). */
export const NEWEST_SUPPORTED_VERSION = 193;

export type Negotiation = { ok: true; version: number } | { ok: false; reason: string };

/**
 * The version a gateway whose maximum is `serverMax` answers to a client offering `clientMin..clientMax`: the highest
 * both speak. A client that only speaks versions older than the gateway still serves is refused.
 */
export function negotiateServerVersion(serverMax: number, clientMin: number, clientMax: number): Negotiation {
  const version = Math.min(serverMax, clientMax, NEWEST_SUPPORTED_VERSION);
  if (clientMax < OLDEST_SUPPORTED_VERSION) {
    return { ok: false, reason: `client offers v${clientMin}..${clientMax}, older than v${OLDEST_SUPPORTED_VERSION}` };
  }
  if (version < clientMin) {
    return { ok: false, reason: `client offers v${clientMin}..${clientMax}, newer than v${version}` };
  }
  return { ok: true, version };
}
