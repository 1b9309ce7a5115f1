/** A FIFO limiter: at most `limit` tasks run at once. */
export function createLimiter(limit: number) {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be a positive integer (got ${limit})`);
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active -= 1;
    const next = queue.shift();
    if (next) next();
  };
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1; // a released slot is handed straight to the next in line
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** Maps `items` through `fn` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const run = createLimiter(limit);
  return Promise.all(items.map((item) => run(() => fn(item))));
}

/** Resolves after `ms` milliseconds (injectable in ports so tests need not wait). */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
