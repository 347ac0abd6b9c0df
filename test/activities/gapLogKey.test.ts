import { gapLogKey } from '../../src/activities/gapLogKey';

describe('the api_logs key of a skipped-slots gap', () => {
  const T = Date.UTC(2026, 0, 5, 15, 0, 0);
  const oneSlot = { from: T, to: T + 5000, reason: 'db_unavailable' as const };

  it('is the same for the same gap, so a retried cycle does not write it twice', () => {
    expect(gapLogKey('wf', oneSlot)).toBe(gapLogKey('wf', { ...oneSlot }));
  });

  it('differs for the gap extended by the next failed slot, so the longer version is not dropped as a duplicate', () => {
    const extended = { ...oneSlot, to: T + 10_000 };
    expect(gapLogKey('wf', extended)).not.toBe(gapLogKey('wf', oneSlot));
    expect(gapLogKey('wf', { ...oneSlot, reason: 'worker_unavailable' })).not.toBe(gapLogKey('wf', oneSlot));
    expect(gapLogKey('other', oneSlot)).not.toBe(gapLogKey('wf', oneSlot));
  });
});
