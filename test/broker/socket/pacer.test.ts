import { RequestPacer } from '../../../src/broker/socket/pacer';

describe('RequestPacer', () => {
  it('never lets more than maxPerSecond sends into any one-second window, in order', async () => {
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
    expect(sentAt).toHaveLength(20);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (sentAt.length === 50) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(order).toEqual([...Array(50).keys()]);
    for (let i = 20; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 20]).toBeGreaterThanOrEqual(999);
    pacer.clear();
  });

  it('drops queued sends on clear() and puts urgent sends first', () => {
    const sent: string[] = [];
    const pacer = new RequestPacer(1, () => undefined);
    pacer.enqueue(() => sent.push('first'));
    pacer.enqueue(() => sent.push('queued'));
    pacer.enqueueUrgent(() => sent.push('urgent'));
    expect(pacer.pending()).toBe(2);
    pacer.clear();
    expect(pacer.pending()).toBe(0);
    expect(sent).toEqual(['first']);
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
