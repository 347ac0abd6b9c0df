/** Polls until the predicate holds; fails with the last observed value after timeoutMs. */
export async function eventually<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!predicate(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await sleep(100);
    last = await probe();
  }
  return last;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
