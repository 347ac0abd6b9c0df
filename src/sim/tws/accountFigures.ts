import { isOption, MarketModel } from '../model';

/**
 * The margin and liquidity figures a real account reports, derived from the positions with a simplified Reg T
 * margin model (IBKR's published Reg T rules, without its house add-ons or SPAN for futures):
 * - stocks: initial 50 % of the market value; maintenance 25 % long, 30 % short;
 * - futures: initial 6 %, maintenance 5 % of the notional (a flat stand-in for SPAN);
 * - long options: paid in full, no margin, and no loan value;
 * - short options: option value + max(20 % of the underlying − out-of-the-money amount,
 *   10 % of the underlying for calls / of the strike for puts), per unit, times multiplier and quantity.
 * Every figure follows from the positions at the model clock, so they agree with updatePortfolio and the PnL.
 */
export interface AccountFigures {
  netLiquidation: number;
  cash: number;
  stockMarketValue: number;
  optionMarketValue: number;
  futureOptionValue: number;
  futuresPnl: number;
  grossPositionValue: number;
  equityWithLoanValue: number;
  initMarginReq: number;
  maintMarginReq: number;
  availableFunds: number;
  excessLiquidity: number;
  buyingPower: number;
  cushion: number;
  unrealizedPnl: number;
  realizedPnl: number;
}

export const MARGIN_RATES = {
  stockInitial: 0.5,
  stockMaintenanceLong: 0.25,
  stockMaintenanceShort: 0.3,
  futureInitial: 0.06,
  futureMaintenance: 0.05,
  shortOptionUnderlying: 0.2,
  shortOptionMinimum: 0.1,
  /** Reg T margin accounts may buy four times their available funds intraday. */
  buyingPowerMultiple: 4,
} as const;

export function accountFigures(model: MarketModel, account: string, t = model.now()): AccountFigures {
  const valuation = model.accountValuation(account, t);
  const figures = {
    stockMarketValue: 0,
    optionMarketValue: 0,
    futureOptionValue: 0,
    futuresPnl: 0,
    longOptionValue: 0,
    initMarginReq: 0,
    maintMarginReq: 0,
  };
  for (const row of model.positions(account)) {
    if (row.quantity === 0) continue;
    const contract = model.contract(row.conId)!;
    const marketValue = model.positionValuation(row, t).marketValue;
    const size = Math.abs(row.quantity) * contract.multiplier;
    if (isOption(contract)) {
      if (contract.secType === 'FOP') figures.futureOptionValue += marketValue;
      else figures.optionMarketValue += marketValue;
      if (row.quantity > 0) {
        figures.longOptionValue += marketValue;
        continue;
      }
      const underlying = model.underlyingPrice(contract.underConId, t);
      const price = model.optionGreeks(contract.conId, t).optionPrice;
      const outOfTheMoney =
        contract.right === 'C' ? Math.max(0, contract.strike - underlying) : Math.max(0, underlying - contract.strike);
      const minimum = MARGIN_RATES.shortOptionMinimum * (contract.right === 'C' ? underlying : contract.strike);
      const perUnit = price + Math.max(MARGIN_RATES.shortOptionUnderlying * underlying - outOfTheMoney, minimum);
      figures.initMarginReq += perUnit * size;
      figures.maintMarginReq += perUnit * size;
    } else if (contract.secType === 'FUT') {
      figures.futuresPnl += model.positionValuation(row, t).unrealizedPnl;
      const notional = Math.abs(marketValue);
      figures.initMarginReq += MARGIN_RATES.futureInitial * notional;
      figures.maintMarginReq += MARGIN_RATES.futureMaintenance * notional;
    } else {
      figures.stockMarketValue += marketValue;
      const maintenance = row.quantity > 0 ? MARGIN_RATES.stockMaintenanceLong : MARGIN_RATES.stockMaintenanceShort;
      figures.initMarginReq += MARGIN_RATES.stockInitial * Math.abs(marketValue);
      figures.maintMarginReq += maintenance * Math.abs(marketValue);
    }
  }
  const equityWithLoanValue = valuation.netLiquidation - figures.longOptionValue;
  const availableFunds = equityWithLoanValue - figures.initMarginReq;
  const excessLiquidity = equityWithLoanValue - figures.maintMarginReq;
  return {
    netLiquidation: valuation.netLiquidation,
    cash: valuation.cash,
    stockMarketValue: figures.stockMarketValue,
    optionMarketValue: figures.optionMarketValue,
    futureOptionValue: figures.futureOptionValue,
    futuresPnl: figures.futuresPnl,
    grossPositionValue: valuation.grossPositionValue,
    equityWithLoanValue,
    initMarginReq: figures.initMarginReq,
    maintMarginReq: figures.maintMarginReq,
    availableFunds,
    excessLiquidity,
    buyingPower: MARGIN_RATES.buyingPowerMultiple * Math.max(0, availableFunds),
    cushion: valuation.netLiquidation === 0 ? 0 : excessLiquidity / valuation.netLiquidation,
    unrealizedPnl: valuation.unrealizedPnl,
    realizedPnl: valuation.realizedPnl,
  };
}
