import { PositionBook } from '../../../src/broker/socket/positionBook';
import type { Position } from '../../../src/broker/types';

function position(account: string, conId: number, quantity: number): Position {
  return {
    account,
    conId,
    localSymbol: `C${conId}`,
    underlying: 'X',
    secType: 'OPT',
    multiplier: 100,
    quantity,
    currency: 'USD',
  };
}

const conIds = (positions: readonly Position[]): number[] => positions.map((p) => p.conId).sort((a, b) => a - b);

describe('PositionBook', () => {
  function loaded(): PositionBook {
    const book = new PositionBook();
    book.beginResync();
    for (const conId of [1, 2, 3, 4]) book.apply(position('A', conId, conId));
    book.apply(position('B', 2, 9));
    book.apply(position('A', 5, 0));
    expect(book.end()).toBe(true);
    return book;
  }

  it('keeps later entries when an earlier one goes to zero (the IBApiNext splice bug)', () => {
    const book = loaded();
    expect(conIds(book.forAccount('A'))).toEqual([1, 2, 3, 4]);
    expect(book.apply(position('A', 1, 0))).toBe(true);
    expect(conIds(book.forAccount('A'))).toEqual([2, 3, 4]);
    expect(conIds(book.forAccount('B'))).toEqual([2]);
  });

  it('never stores zero quantities and reports no change for an unknown zero', () => {
    const book = loaded();
    expect(book.apply(position('A', 77, 0))).toBe(false);
    expect(conIds(book.forAccount('A'))).toEqual([1, 2, 3, 4]);
  });

  it('serves the old picture during a resync and drops what the new dump no longer lists', () => {
    const book = loaded();
    book.beginResync();
    book.apply(position('A', 2, 2));
    book.apply(position('A', 4, 40));
    expect(conIds(book.forAccount('A'))).toEqual([1, 2, 3, 4]);
    expect(book.end()).toBe(true);
    expect(book.forAccount('A').map((p) => [p.conId, p.quantity])).toEqual([
      [2, 2],
      [4, 40],
    ]);
    expect(book.forAccount('B')).toEqual([]);
    expect(book.accounts()).toEqual(['A']);
  });

  it('keeps the last complete picture when a resync is aborted', () => {
    const book = loaded();
    book.beginResync();
    book.apply(position('A', 9, 1));
    book.abortResync();
    expect(conIds(book.forAccount('A'))).toEqual([1, 2, 3, 4]);
  });

  it('returns the same array until something changes', () => {
    const book = loaded();
    const first = book.forAccount('A');
    expect(book.forAccount('A')).toBe(first);
    book.apply(position('A', 3, 30));
    expect(book.forAccount('A')).not.toBe(first);
  });

  it('is complete only between positionEnd and the next resync or session loss', () => {
    const book = new PositionBook();
    expect(book.isComplete()).toBe(false);
    book.beginResync();
    book.apply(position('A', 1, 1));
    expect(book.isComplete()).toBe(false);
    book.end();
    expect(book.isComplete()).toBe(true);
    // 1101: positions asked for again; the old picture is served but is not this session's list.
    book.beginResync();
    expect(book.isComplete()).toBe(false);
    expect(conIds(book.forAccount('A'))).toEqual([1]);
    book.end();
    expect(book.isComplete()).toBe(true);
    // The socket died: whatever it held may have changed before the next session's dump ends.
    book.abortResync();
    expect(book.isComplete()).toBe(false);
  });
});
