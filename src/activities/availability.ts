import type { Broker, BrokerSnapshot } from '../broker/types';
import type { UnavailableReason } from '../workflows/types';

export interface Unavailable {
  reason: UnavailableReason;
  /** One line for the operator: what is wrong and what to do. */
  message: string;
  /** Only a person can end it (the message says how): the human_needed alert quotes the message. */
  humanAction?: boolean;
}

export type SnapshotOrUnavailable = { snapshot: BrokerSnapshot } | { unavailable: Unavailable };

/**
 * The snapshot a cycle may aggregate, or why there is none. A row is written only from a complete picture: the
 * configured account is one the login manages, the connection is up, and the position list of the current session
 * is complete (an empty list before positionEnd would be stored as a row of zeros).
 */
export function snapshotForCycle(broker: Broker, account: string): SnapshotOrUnavailable {
  const managed = broker.accounts();
  if (managed.length > 0 && !managed.includes(account)) {
    return {
      unavailable: {
        reason: 'account_not_managed',
        humanAction: true,
        message:
          `account ${account} is not among the accounts this login manages (${managed.join(', ')}): ` +
          `set IB_ACCOUNT to one of them, or log in with a user that manages ${account}`,
      },
    };
  }
  const connection = broker.state();
  if (connection !== 'ready' && connection !== 'degraded') {
    const humanAction = broker.humanActionNeeded?.() ?? null;
    return humanAction
      ? { unavailable: { reason: 'ib_unavailable', message: humanAction, humanAction: true } }
      : { unavailable: { reason: 'ib_unavailable', message: `the IB connection is ${connection}` } };
  }
  const snapshot = broker.snapshot(account);
  if (!snapshot.positionsComplete) {
    return {
      unavailable: {
        reason: 'positions_loading',
        message: 'the position list of the current IB session is not complete yet',
      },
    };
  }
  return { snapshot };
}
