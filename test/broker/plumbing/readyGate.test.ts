import { ReadyGate, type Timers } from '../../../src/broker/plumbing/readyGate';

/** Timers the test fires by hand: no real time passes. */
function manualTimers(): Timers & { fireAll(): void; armed(): number } {
  let next = 0;
  const armed = new Map<number, () => void>();
  return {
    setTimeout(callback) {
      armed.set(++next, callback);
      return next;
    },
    clearTimeout(handle) {
      armed.delete(handle as number);
    },
    fireAll() {
      const callbacks = [...armed.values()];
      armed.clear();
      for (const callback of callbacks) callback();
    },
    armed: () => armed.size,
  };
}

describe('ReadyGate', () => {
  it('resolves every waiter when opened and disarms their timeouts', async () => {
    const timers = manualTimers();
    const gate = new ReadyGate(timers);
    const first = gate.wait(1000, () => new Error('late'));
    const second = gate.wait(5000, () => new Error('late'));
    expect(gate.pending()).toBe(2);
    gate.open();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    expect(gate.pending()).toBe(0);
    expect(timers.armed()).toBe(0);
  });

  it('rejects a waiter whose timeout passes, with the reason known at that moment', async () => {
    const timers = manualTimers();
    const gate = new ReadyGate(timers);
    let reason = 'connecting';
    const waiting = gate.wait(1000, () => new Error(`not ready: ${reason}`));
    reason = 'gateway unreachable';
    timers.fireAll();
    await expect(waiting).rejects.toThrow('not ready: gateway unreachable');
    expect(gate.pending()).toBe(0);
  });

  it('rejects every waiter when the adapter stops', async () => {
    const timers = manualTimers();
    const gate = new ReadyGate(timers);
    const waiting = gate.wait(1000, () => new Error('late'));
    gate.fail(new Error('stopped before it was ready'));
    await expect(waiting).rejects.toThrow('stopped before it was ready');
    expect(timers.armed()).toBe(0);
  });

  it('does not resolve waiters that arrive after it was opened until it opens again', async () => {
    const timers = manualTimers();
    const gate = new ReadyGate(timers);
    gate.open();
    let settled = false;
    const waiting = gate.wait(1000, () => new Error('late')).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    gate.open();
    await waiting;
    expect(settled).toBe(true);
  });
});
