import { PACER_BURST, RequestPacer } from '../../../src/broker/socket/pacer';

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
