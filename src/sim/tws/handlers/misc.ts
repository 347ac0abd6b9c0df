import { managedAccountIds, SimContext } from '../context';
import { ContractQuery } from '../protocol/requests';
import { replies } from '../protocol/replies';
import { ClientConnection } from '../clientConnection';
import { resolveContract } from './marketData';

export function onReqCurrentTime(ctx: SimContext, connection: ClientConnection): void {
  connection.send(replies.currentTime(Math.floor(ctx.model.now() / 1000)));
}

export function onReqIds(ctx: SimContext, connection: ClientConnection): void {
  connection.send(replies.nextValidId(ctx.nextOrderId));
}

export function onReqManagedAccts(ctx: SimContext, connection: ClientConnection): void {
  connection.send(replies.managedAccounts(managedAccountIds(ctx)));
}

export function onReqContractDetails(
  ctx: SimContext,
  connection: ClientConnection,
  reqId: number,
  query: ContractQuery,
): void {
  const contract = resolveContract(ctx, query);
  if (!contract || ctx.settings.contractDetailsRefusedConIds.includes(contract.conId)) {
    connection.send(replies.error(reqId, 200));
    return;
  }
  connection.sendAll([
    replies.contractDetails(reqId, contract, connection.serverVersion),
    replies.contractDetailsEnd(reqId),
  ]);
}
