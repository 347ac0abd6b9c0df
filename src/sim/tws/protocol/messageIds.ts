/**
 * Message ids in each direction. The two directions are separate number spaces (61 is reqPositions from the client
 * and position from the server), so they live in two tables named after who sends them.
 */

/** Client → simulator (what `@stoqey/ib` calls OUT_MSG_ID). */
export const RequestId = {
  reqMktData: 1,
  cancelMktData: 2,
  reqOpenOrders: 5,
  reqAccountUpdates: 6,
  reqExecutions: 7,
  reqIds: 8,
  reqContractDetails: 9,
  reqAutoOpenOrders: 15,
  reqAllOpenOrders: 16,
  reqManagedAccts: 17,
  reqHistoricalData: 20,
  cancelHistoricalData: 25,
  reqCurrentTime: 49,
  /** Option calculations (IBKR's REQ_CALC_IMPLIED_VOLAT .. CANCEL_CALC_OPTION_PRICE): no market-data line. */
  reqCalcImpliedVolat: 54,
  reqCalcOptionPrice: 55,
  cancelCalcImpliedVolat: 56,
  cancelCalcOptionPrice: 57,
  reqMarketDataType: 59,
  reqPositions: 61,
  reqAccountSummary: 62,
  cancelAccountSummary: 63,
  cancelPositions: 64,
  startApi: 71,
  reqPositionsMulti: 74,
  cancelPositionsMulti: 75,
  reqAccountUpdatesMulti: 76,
  cancelAccountUpdatesMulti: 77,
  reqPnL: 92,
  cancelPnL: 93,
  reqPnLSingle: 94,
  cancelPnLSingle: 95,
  reqCompletedOrders: 99,
} as const;
export type RequestName = keyof typeof RequestId;

export const requestNameById = new Map<number, RequestName>(
  Object.entries(RequestId).map(([name, id]) => [id, name as RequestName]),
);

/** Simulator → client (what `@stoqey/ib` calls IN_MSG_ID). */
export const ReplyId = {
  tickPrice: 1,
  tickSize: 2,
  error: 4,
  updateAccountValue: 6,
  updatePortfolio: 7,
  updateAccountTime: 8,
  nextValidId: 9,
  contractDetails: 10,
  managedAccounts: 15,
  historicalData: 17,
  tickOptionComputation: 21,
  tickGeneric: 45,
  tickString: 46,
  currentTime: 49,
  contractDetailsEnd: 52,
  openOrderEnd: 53,
  accountDownloadEnd: 54,
  execDetailsEnd: 55,
  tickSnapshotEnd: 57,
  marketDataType: 58,
  position: 61,
  positionEnd: 62,
  accountSummary: 63,
  accountSummaryEnd: 64,
  positionMulti: 71,
  positionMultiEnd: 72,
  accountUpdateMulti: 73,
  accountUpdateMultiEnd: 74,
  tickReqParams: 81,
  pnl: 94,
  pnlSingle: 95,
  completedOrdersEnd: 102,
} as const;

/** Market data types as reqMarketDataType and marketDataType number them. */
export const MarketDataTypeCode = { live: 1, frozen: 2, delayed: 3, delayedFrozen: 4 } as const;

/** Tick types used by the streamer; delayed variants are the live id + DELAYED_OFFSET for prices. */
export const TickTypeCode = {
  bidSize: 0,
  bid: 1,
  ask: 2,
  askSize: 3,
  last: 4,
  lastSize: 5,
  close: 9,
  bidOption: 10,
  askOption: 11,
  lastOption: 12,
  modelOption: 13,
  /** CUST_OPTION_COMPUTATION: the answer to calculateOptionPrice / calculateImpliedVolatility. */
  customOptionComputation: 53,
  delayedBid: 66,
  delayedAsk: 67,
  delayedLast: 68,
  delayedClose: 75,
  delayedBidOption: 80,
  delayedAskOption: 81,
  delayedLastOption: 82,
  delayedModelOption: 83,
} as const;
