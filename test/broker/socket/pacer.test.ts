import { SOCKET_BROKER_DEFAULTS } from '../../../src/broker/socket/options';
import {
  IB_MESSAGES_PER_SECOND,
  PACER_BURST,
  PACER_MARGIN,
  pacerBurst,
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

  /** Enqueues `count` sends at once and lets the fake clock run until all went out; returns their instants. */
  function sendTimes(maxPerSecond: number, count: number): number[] {
    const sentAt: number[] = [];
    const pacer = new RequestPacer(
      maxPerSecond,
      (error) => {
        throw error;
      },
      () => Date.now(),
    );
    for (let i = 0; i < count; i++) pacer.enqueue(() => sentAt.push(Date.now()));
    while (sentAt.length < count) jest.advanceTimersToNextTimer();
    return sentAt;
  }

  /** The most sends in any window [t, t + 1000 ms], both ends included, t at every send. */
  function peakPerSecond(sentAt: number[], closed = true): number {
    let peak = 0;
    for (const start of sentAt) {
      const inWindow = sentAt.filter((at) => at >= start && (closed ? at <= start + 1000 : at < start + 1000));
      peak = Math.max(peak, inWindow.length);
    }
    return peak;
  }

  it("defaults to 45 a second with a burst of one: at most 46 in any sliding second, 4 under IB's 50", () => {
    expect(SOCKET_BROKER_DEFAULTS.maxMessagesPerSecond).toBe(45);
    expect(pacerBurst(45)).toBe(1);
    expect(45 + pacerBurst(45) + PACER_MARGIN).toBe(IB_MESSAGES_PER_SECOND);
    const sentAt = sendTimes(45, 300);
    expect(peakPerSecond(sentAt)).toBeLessThanOrEqual(IB_MESSAGES_PER_SECOND - PACER_MARGIN);
    // The budget is used, not wasted (timers wait whole milliseconds, so a second holds 44 to 46).
    expect(peakPerSecond(sentAt)).toBeGreaterThanOrEqual(44);
    // 300 sends take (300 - 1) / 45 s once the burst is spent.
    expect(sentAt[sentAt.length - 1] - sentAt[0]).toBeGreaterThanOrEqual(((300 - 1) / 45) * 1000 - 1);
  });

  it('keeps the full burst of 5 and the margin at 41 a second and below', () => {
    expect([1, 20, 40, 41].map(pacerBurst)).toEqual([5, 5, 5, 5]);
    expect([42, 43, 44].map(pacerBurst)).toEqual([4, 3, 2]);
    expect(peakPerSecond(sendTimes(41, 150))).toBeLessThanOrEqual(IB_MESSAGES_PER_SECOND - PACER_MARGIN);
  });

  it.each([1, 20, 40, 46, 48, 49])('keeps rate + burst within 50 at %i a second', (rate) => {
    expect(rate + pacerBurst(rate)).toBeLessThanOrEqual(IB_MESSAGES_PER_SECOND);
    expect(peakPerSecond(sendTimes(rate, 3 * rate + 10))).toBeLessThanOrEqual(rate + pacerBurst(rate));
  });

  it('at 50 a second (no margin left) sends at most 50 in any half-open second, 51 only with a send on both ends', () => {
    const sentAt = sendTimes(50, 200);
    expect(pacerBurst(50)).toBe(1);
    expect(peakPerSecond(sentAt, false)).toBeLessThanOrEqual(50);
    expect(peakPerSecond(sentAt)).toBeLessThanOrEqual(51);
  });
});
