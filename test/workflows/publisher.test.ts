import { NOTHING_PUBLISHED, searchAttributeUpdates } from '../../src/workflows/publisher';
import { deepFreeze } from './deepFreeze';

const T = 1_700_000_000_000;

/** The updates as plain name/value pairs, to compare. */
function named(updates: ReturnType<typeof searchAttributeUpdates>['updates']) {
  return updates.map(({ key, value }) => [key.name, value instanceof Date ? value.getTime() : value]);
}

describe('search attributes published for the workflow list', () => {
  it('sends the account once, then only what changed', () => {
    const starting = deepFreeze({ state: 'starting' as const, lastOkAt: null, bufferedRows: 0 });
    const first = searchAttributeUpdates(NOTHING_PUBLISHED, 'DU1', starting);
    expect(named(first.updates)).toEqual([
      ['BridgeAccount', 'DU1'],
      ['BridgeState', 'starting'],
      ['BridgeBufferedRows', 0],
    ]);
    expect(first.published).toEqual({ state: 'starting', lastOkAt: null, buffered: 0 });
    expect(searchAttributeUpdates(first.published, 'DU1', starting).updates).toEqual([]);
  });

  it('refreshes the last ok time when ready, at most once a minute', () => {
    const published = { state: 'ready' as const, lastOkAt: T, buffered: 0 };
    const ready = (lastOkAt: number) => ({ state: 'ready' as const, lastOkAt, bufferedRows: 0 });
    // 59.999 s later: not yet.
    const early = searchAttributeUpdates(published, 'DU1', ready(T + 59_999));
    expect(early.updates).toEqual([]);
    expect(early.published.lastOkAt).toBe(T);
    const late = searchAttributeUpdates(published, 'DU1', ready(T + 60_000));
    expect(named(late.updates)).toEqual([['BridgeLastOkAt', T + 60_000]]);
    expect(late.published.lastOkAt).toBe(T + 60_000);
    // Not while degraded: the state says why the rows are late.
    const degraded = { state: 'degraded' as const, lastOkAt: T + 60_000, bufferedRows: 0 };
    expect(named(searchAttributeUpdates(published, 'DU1', degraded).updates)).toEqual([['BridgeState', 'degraded']]);
  });

  it('counts the rows every worker has buffered', () => {
    const published = { state: 'degraded' as const, lastOkAt: null, buffered: 2 };
    const state = {
      state: 'degraded' as const,
      lastOkAt: null,
      bufferedRows: 2,
      bufferedElsewhere: { b: { bufferId: 'b', rows: 3, at: T } },
    };
    expect(named(searchAttributeUpdates(published, 'DU1', state).updates)).toEqual([['BridgeBufferedRows', 5]]);
  });
});
