import { systemClock } from '../../../src/broker/plumbing/clock';

describe('systemClock', () => {
  it('reads the same wall clock as Date.now', () => {
    const before = Date.now();
    const read = systemClock();
    const after = Date.now();
    expect(read).toBeGreaterThanOrEqual(before);
    expect(read).toBeLessThanOrEqual(after);
  });
});
