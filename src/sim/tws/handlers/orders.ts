import { SimContext } from '../context';
import { replies } from '../protocol/replies';
import { ClientSession } from '../session';

/**
 * The simulated account places no orders, so order and execution requests answer as an empty real account does:
 * with their end messages only. Standard clients send them at startup and wait for those ends.
 */
export function onReqOpenOrders(_ctx: SimContext, session: ClientSession): void {
  session.send(replies.openOrderEnd());
}

export function onReqExecutions(_ctx: SimContext, session: ClientSession, reqId: number): void {
  session.send(replies.execDetailsEnd(reqId));
}

export function onReqCompletedOrders(_ctx: SimContext, session: ClientSession): void {
  session.send(replies.completedOrdersEnd());
}
