import { Backoff } from '../../../src/broker/plumbing/backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const backoff = new Backoff(100, 1000);
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.attempts()).toBe(6);
  });

  it('waits the initial delay for the steady attempts, then doubles, and starts steady again after a reset', () => {
    const backoff = new Backoff(1000, 8000, 3);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => backoff.next())).toEqual([1000, 1000, 1000, 1000, 2000, 4000, 8000]);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
    expect(() => new Backoff(1000, 8000, -1)).toThrow(/steady attempts must be a whole number/);
  });

  it('starts again from the initial delay after a reset', () => {
    const backoff = new Backoff(100, 1000);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempts()).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('peeks without counting an attempt', () => {
    const backoff = new Backoff(50, 500);
    backoff.next();
    expect(backoff.peek()).toBe(100);
    expect(backoff.peek()).toBe(100);
    expect(backoff.attempts()).toBe(1);
  });

  it('stays at zero when the initial delay is zero, and finite after very many failures', () => {
    const zero = new Backoff(0, 60_000);
    expect([zero.next(), zero.next(), zero.next()]).toEqual([0, 0, 0]);
    const long = new Backoff(1, 60_000);
    for (let i = 0; i < 2000; i++) long.next();
    expect(long.next()).toBe(60_000);
  });

  it('rejects a maximum below the initial delay', () => {
    expect(() => new Backoff(1000, 10)).toThrow(/below its initial delay/);
  });
});
