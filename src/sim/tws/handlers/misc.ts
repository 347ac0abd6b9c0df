import { managedAccountIds, SimContext } from '../context';
import { ContractQuery } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { ClientSession } from '../session';
import { resolveContract } from './marketData';

export function onReqCurrentTime(ctx: SimContext, session: ClientSession): void {
  session.send(replies.currentTime(Math.floor(ctx.model.now() / 1000)));
}

export function onReqIds(ctx: SimContext, session: ClientSession): void {
  session.send(replies.nextValidId(ctx.nextOrderId));
}

export function onReqManagedAccts(ctx: SimContext, session: ClientSession): void {
  session.send(replies.managedAccounts(managedAccountIds(ctx)));
}

export function onReqContractDetails(
  ctx: SimContext,
  session: ClientSession,
  reqId: number,
  query: ContractQuery,
): void {
  const contract = resolveContract(ctx, query);
  if (!contract || ctx.settings.contractDetailsRefusedConIds.includes(contract.conId)) {
    session.send(replies.error(reqId, 200));
    return;
  }
  session.sendAll([replies.contractDetails(reqId, contract, session.serverVersion), replies.contractDetailsEnd(reqId)]);
}
