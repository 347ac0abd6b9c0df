import { ImplausibleEpisodes } from '../../src/activities/implausibleEpisodes';
import type { ExcludedPosition } from '../../src/greeks/types';

function entry(conId: number, reason: ExcludedPosition['reason']): ExcludedPosition {
  return { conId, localSymbol: `C${conId}`, underlying: 'SPY', quantity: 1, reason, excludedFrom: 'all' };
}

describe('ImplausibleEpisodes', () => {
  it('reports a position once per episode: when it becomes implausible, again only after it was plausible', () => {
    const episodes = new ImplausibleEpisodes();
    const cycle = (excluded: ExcludedPosition[]) => {
      const starting = episodes.starting('DU1', excluded).map((e) => e.conId);
      episodes.commit('DU1', excluded);
      return starting;
    };
    expect(cycle([entry(1, 'implausible'), entry(2, 'stale')])).toEqual([1]);
    expect(cycle([entry(1, 'implausible')])).toEqual([]);
    expect(cycle([entry(1, 'implausible'), entry(3, 'implausible')])).toEqual([3]);
    expect(cycle([entry(3, 'implausible')])).toEqual([]);
    expect(cycle([entry(1, 'implausible'), entry(3, 'implausible')])).toEqual([1]);
  });

  it('reports again when the cycle that found it was not stored (the rows and events are retried together)', () => {
    const episodes = new ImplausibleEpisodes();
    expect(episodes.starting('DU1', [entry(1, 'implausible')])).toHaveLength(1);
    expect(episodes.starting('DU1', [entry(1, 'implausible')])).toHaveLength(1);
    episodes.commit('DU1', [entry(1, 'implausible')]);
    expect(episodes.starting('DU1', [entry(1, 'implausible')])).toHaveLength(0);
    expect(episodes.starting('DU2', [entry(1, 'implausible')])).toHaveLength(1);
  });
});
