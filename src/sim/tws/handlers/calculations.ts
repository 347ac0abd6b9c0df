import { isOption } from '../../model';
import { SimContext } from '../context';
import { Field } from '../protocol/framing';
import { TickTypeCode } from '../protocol/messageIds';
import { replies } from '../protocol/replies';
import { CalculationQuery } from '../protocol/requests';
import { ClientConnection } from '../clientConnection';
import { calculateImpliedVolatility, calculateOptionPrice } from '../optionCalculation';
import { computationFields } from '../tickRound';
import { servableContract } from './marketData';

/** Price-based volatility flag of tickAttrib: 0, as the streaming computations send it. */
const RETURN_BASED = 0;

type Calculation =
  | ({ kind: 'optionPrice'; volatility: number | undefined } & CalculationQuery)
  | ({ kind: 'impliedVolatility'; optionPrice: number | undefined } & CalculationQuery);

function positive(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/**
 * IBKR's calculateOptionPrice / calculateImpliedVolatility (TWS API "Option Computations"): IB computes with its own
 * option model at the volatility (or option price) and underlying price the client gives, and answers with one
 * tickOptionComputation of tick type 53 (CUST_OPTION_COMPUTATION) on the request's id. No market-data line is used.
 *
 * Where the simulator differs from a real gateway (not documented by IBKR, so chosen here):
 * - it answers once; a gateway may repeat the computation until it is cancelled (hence the cancel messages);
 * - it does not check market-data permissions, holds no answer back during a 1100 outage, and does not count the
 *   request against any limit but the 50 messages/s pacing;
 * - a contract that is not an option gets 321 (a validation error) with the simulator's own wording;
 * - inputs that are missing or not positive get 321; an option price no volatility reproduces gets the
 *   "not computed" sentinels with the given prices, as the quote computations do.
 * Unknown contracts get 200 (no security definition), as every contract-based request does, and futures options
 * need their listing exchange as for market data.
 */
export function onCalculation(ctx: SimContext, connection: ClientConnection, request: Calculation): void {
  const { reqId } = request;
  const refusal = ctx.settings.calculationRefusalCode;
  if (refusal !== null) {
    connection.send(replies.error(reqId, refusal));
    return;
  }
  const contract = servableContract(ctx, connection, reqId, request.contract);
  if (!contract) return;
  if (!isOption(contract)) {
    connection.send(
      replies.error(
        reqId,
        321,
        `Error validating request: option calculations need an option, not ${contract.secType}`,
      ),
    );
    return;
  }
  const input = request.kind === 'optionPrice' ? request.volatility : request.optionPrice;
  const inputName = request.kind === 'optionPrice' ? 'volatility' : 'option price';
  if (!positive(input) || !positive(request.underlyingPrice)) {
    connection.send(
      replies.error(reqId, 321, `Error validating request: ${inputName} and underlying price must be positive`),
    );
    return;
  }
  const t = ctx.model.now();
  let values: Field[];
  if (request.kind === 'optionPrice') {
    values = computationFields(calculateOptionPrice(ctx.model, contract, t, input, request.underlyingPrice));
  } else {
    const greeks = calculateImpliedVolatility(ctx.model, contract, t, input, request.underlyingPrice);
    values = greeks ? computationFields(greeks) : [-1, -2, input, -1, -2, -2, -2, request.underlyingPrice];
  }
  connection.send(replies.tickOptionComputation(reqId, TickTypeCode.customOptionComputation, RETURN_BASED, values));
}
