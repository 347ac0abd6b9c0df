import { SimContext } from '../context';
import { replies } from '../protocol/replies';
import { ClientConnection } from '../clientConnection';

/**
 * The simulated account places no orders, so order and execution requests answer as an empty real account does:
 * with their end messages only. Standard clients send them at startup and wait for those ends.
 */
export function onReqOpenOrders(_ctx: SimContext, connection: ClientConnection): void {
  connection.send(replies.openOrderEnd());
}

export function onReqExecutions(_ctx: SimContext, connection: ClientConnection, reqId: number): void {
  connection.send(replies.execDetailsEnd(reqId));
}

export function onReqCompletedOrders(_ctx: SimContext, connection: ClientConnection): void {
  connection.send(replies.completedOrdersEnd());
}
