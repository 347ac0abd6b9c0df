import { CycleWatch } from '../../src/worker/cycleWatch';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CycleWatch: when the next cycle ends', () => {
  it('tells a waiter when the running cycle ends, and passes its result through', async () => {
    const watch = new CycleWatch();
    const cycle = deferred<string>();
    const tracked = watch.track(() => cycle.promise);
    let ended: boolean | undefined;
    const waiting = watch.nextEnd(60_000).then((value) => (ended = value));
    await Promise.resolve();
    expect(ended).toBeUndefined();
    cycle.resolve('row written');
    await expect(tracked).resolves.toBe('row written');
    await waiting;
    expect(ended).toBe(true);
  });

  it('counts a failed cycle as an end, and still throws its error to the caller', async () => {
    const watch = new CycleWatch();
    const waiting = watch.nextEnd(60_000);
    await expect(watch.track(() => Promise.reject(new Error('db refused')))).rejects.toThrow('db refused');
    await expect(waiting).resolves.toBe(true);
  });

  it('gives up with false when no cycle ends in time, and a later end no longer concerns that waiter', async () => {
    const watch = new CycleWatch();
    await expect(watch.nextEnd(1)).resolves.toBe(false);
    const later = watch.nextEnd(60_000);
    await watch.track(() => Promise.resolve());
    await expect(later).resolves.toBe(true);
  });
});
