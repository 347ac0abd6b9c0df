/** The database did not answer before the activity attempt had to give up on it. Transient by nature. */
class DeadlineExceededError extends Error {
  constructor(ms: number) {
    super(`database did not answer within ${ms} ms (timeout)`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DeadlineExceededError at `deadline` (epoch ms; null: no limit).
 * The work itself goes on (a pg query cannot be withdrawn); its late outcome is ignored, which is safe because every
 * write is idempotent by key.
 */
export async function withinDeadline<T>(
  work: Promise<T>,
  deadline: number | null,
  clock: () => number = Date.now,
): Promise<T> {
  if (deadline === null) return work;
  work.catch(() => undefined);
  const remainingMs = Math.max(0, deadline - clock());
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(remainingMs)), remainingMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
