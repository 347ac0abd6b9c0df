import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { defineSearchAttributeKey, type SearchAttributeUpdatePair } from '@temporalio/common';
import { nextResetWindow } from '../schedule/resetWindow';
import type { FiringAlert } from './alerting';
import { totalBufferedRows } from './bufferedRows';
import { renderDetails } from './details';
import type { BridgeSettings, BridgeState, BridgeStateName } from './types';

const BridgeStateKey = defineSearchAttributeKey('BridgeState', 'KEYWORD');
const BridgeAccountKey = defineSearchAttributeKey('BridgeAccount', 'KEYWORD');
const BridgeLastOkAtKey = defineSearchAttributeKey('BridgeLastOkAt', 'DATETIME');
const BridgeBufferedRowsKey = defineSearchAttributeKey('BridgeBufferedRows', 'INT');

/** The UI's workflow list only needs a rough "last ok": it is refreshed at most this often, not every cycle. */
export const LAST_OK_REFRESH_MS = 60_000;

/** What this run last wrote to the search attributes (null: not yet). */
export interface PublishedAttributes {
  state: BridgeStateName | null;
  lastOkAt: number | null;
  buffered: number | null;
}

export const NOTHING_PUBLISHED: PublishedAttributes = { state: null, lastOkAt: null, buffered: null };

/**
 * The search attribute updates that bring the published values up to `state`, and what is published after them. Only
 * changed values are sent: each upsert is a command in the history. The account goes out once per run.
 */
export function searchAttributeUpdates(
  published: PublishedAttributes,
  account: string,
  state: Pick<BridgeState, 'state' | 'lastOkAt' | 'bufferedRows' | 'bufferedElsewhere'>,
): { updates: SearchAttributeUpdatePair[]; published: PublishedAttributes } {
  const updates: SearchAttributeUpdatePair[] = [];
  let lastOkAt = published.lastOkAt;
  if (published.state === null) updates.push({ key: BridgeAccountKey, value: account });
  if (published.state !== state.state) updates.push({ key: BridgeStateKey, value: state.state });
  if (state.lastOkAt !== null && lastOkAt !== state.lastOkAt && state.state === 'ready') {
    if (lastOkAt === null || state.lastOkAt - lastOkAt >= LAST_OK_REFRESH_MS) {
      updates.push({ key: BridgeLastOkAtKey, value: new Date(state.lastOkAt) });
      lastOkAt = state.lastOkAt;
    }
  }
  const buffered = totalBufferedRows(state);
  if (published.buffered !== buffered) updates.push({ key: BridgeBufferedRowsKey, value: buffered });
  return { updates, published: { state: state.state, lastOkAt, buffered } };
}

/** Shows the workflow's state to operators: search attributes for the workflow list, details for its page. */
export class StatePublisher {
  private published = NOTHING_PUBLISHED;

  constructor(
    private readonly settings: BridgeSettings,
    private readonly state: BridgeState,
    private readonly firing: () => FiringAlert[],
  ) {}

  /** Sets the state's name to `next` and publishes what changed. */
  publish(next: BridgeStateName): void {
    this.state.state = next;
    const { updates, published } = searchAttributeUpdates(this.published, this.settings.account, this.state);
    if (updates.length > 0 && this.settings.searchAttributes !== false) upsertSearchAttributes(updates);
    this.published = published;
    setCurrentDetails(
      renderDetails(this.settings, this.state, nextResetWindow(Date.now(), this.settings.reset).start, this.firing()),
    );
  }
}
