import { SOCKET_BROKER_DEFAULTS } from '../../../src/broker/socket/options';
import {
  IB_MESSAGES_PER_SECOND,
  PACER_BURST,
  PACER_MARGIN,
  pacerWindowLimit,
  RequestPacer,
} from '../../../src/broker/socket/pacer';

describe('RequestPacer', () => {
  it('sends a short burst at once, then spreads the rest evenly: never more than rate + burst per second', async () => {
    const sentAt: number[] = [];
    const order: number[] = [];
    const pacer = new RequestPacer(20, (error) => {
      throw error;
    });
    for (let i = 0; i < 50; i++) {
      pacer.enqueue(() => {
        sentAt.push(performance.now());
        order.push(i);
      });
    }
    expect(sentAt).toHaveLength(PACER_BURST);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (sentAt.length === 50) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(order).toEqual([...Array(50).keys()]);
    // Any PACER_BURST + 20 consecutive sends span at least one second.
    const window = PACER_BURST + 20;
    // (A late timer only delays sends; the bucket never holds more than PACER_BURST tokens to catch up with.)
    for (let i = window; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - window]).toBeGreaterThanOrEqual(990);
    pacer.clear();
  });

  it('drops queued sends on clear() and puts urgent sends first', () => {
    const sent: string[] = [];
    const pacer = new RequestPacer(1, () => undefined);
    for (let i = 0; i < PACER_BURST; i++) pacer.enqueue(() => sent.push(`burst ${i}`));
    pacer.enqueue(() => sent.push('queued'));
    pacer.enqueueUrgent(() => sent.push('urgent'));
    expect(pacer.pending()).toBe(2);
    pacer.clear();
    expect(pacer.pending()).toBe(0);
    expect(sent).toHaveLength(PACER_BURST);
    expect(sent).not.toContain('queued');
  });

  it('reports a send that throws and carries on with the next', () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    const pacer = new RequestPacer(10, (error) => errors.push(error));
    pacer.enqueue(() => {
      throw new Error('socket gone');
    });
    pacer.enqueue(() => sent.push(2));
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([2]);
  });
});

describe("RequestPacer against IB's 50 messages a second", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /**
   * Enqueues `count` sends at once and lets the fake clock run until all went out; returns their instants. With
   * `lateMs`, every timer fires that much late (the clock jumps before it runs), as on a busy event loop.
   */
  function sendTimes(maxPerSecond: number, count: number, lateMs = 0): number[] {
    const sentAt: number[] = [];
    const pacer = new RequestPacer(
      maxPerSecond,
      (error) => {
        throw error;
      },
      () => Date.now(),
    );
    for (let i = 0; i < count; i++) pacer.enqueue(() => sentAt.push(Date.now()));
    while (sentAt.length < count) {
      if (lateMs > 0) jest.setSystemTime(Date.now() + lateMs);
      jest.advanceTimersToNextTimer();
    }
    return sentAt;
  }

  /** The most sends in any window [t, t + 1000 ms], both ends included (or the end left out), t at every send. */
  function peakPerSecond(sentAt: number[], closed = true): number {
    let peak = 0;
    for (const start of sentAt) {
      const inWindow = sentAt.filter((at) => at >= start && (closed ? at <= start + 1000 : at < start + 1000));
      peak = Math.max(peak, inWindow.length);
    }
    return peak;
  }

  const perSecond = (sentAt: number[]) => ((sentAt.length - 1) * 1000) / (sentAt[sentAt.length - 1] - sentAt[0]);

  it("defaults to 45 a second: at most 46 in any second, 4 under IB's 50", () => {
    expect(SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond).toBe(45);
    expect(pacerWindowLimit(45)).toBe(IB_MESSAGES_PER_SECOND - PACER_MARGIN);
    const sentAt = sendTimes(45, 300);
    expect(peakPerSecond(sentAt)).toBeLessThanOrEqual(46);
    expect(peakPerSecond(sentAt)).toBeGreaterThanOrEqual(45);
    // The first PACER_BURST go at once; the rest at 45 a second (timers wait whole milliseconds).
    expect(sentAt.slice(0, PACER_BURST).every((at) => at === sentAt[0])).toBe(true);
    expect(perSecond(sentAt)).toBeGreaterThan(44);
    expect(perSecond(sentAt)).toBeLessThanOrEqual(46);
  });

  it('makes up for timers that fire late without ever passing the window limit', () => {
    // Every timer 10 ms late: a bucket of one token would fall to about 30 a second.
    const sentAt = sendTimes(45, 300, 10);
    expect(perSecond(sentAt)).toBeGreaterThan(43);
    expect(peakPerSecond(sentAt)).toBeLessThanOrEqual(46);
  });

  it.each([
    [1, 6],
    [20, 25],
    [40, 45],
    [44, 46],
    [46, 46],
    [48, 48],
    [49, 49],
  ])('at %i a second sends at most %i in any second, never more than 50', (rate, limit) => {
    expect(pacerWindowLimit(rate)).toBe(limit);
    const sentAt = sendTimes(rate, 3 * rate + 10);
    expect(peakPerSecond(sentAt)).toBeLessThanOrEqual(limit);
    expect(limit).toBeLessThanOrEqual(IB_MESSAGES_PER_SECOND);
  });

  it('at 50 a second (no margin left) sends at most 50 in any second, even late timers catching up', () => {
    expect(pacerWindowLimit(50)).toBe(50);
    expect(peakPerSecond(sendTimes(50, 200))).toBeLessThanOrEqual(50);
    expect(peakPerSecond(sendTimes(50, 200, 7))).toBeLessThanOrEqual(50);
  });
});
