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

/**
 * A FIFO limiter whose limit adapts (AIMD): `decrease()` halves it (a throttled caller slows down at once, never below
 * `min`), `increase()` adds 1/limit (about one more slot per full window of successes, so it grows back slowly), never
 * above `max`. The limit starts at `max`; tasks already running are never interrupted when it shrinks.
 */
export class AdaptiveLimiter {
  private window: number;
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly max: number,
    readonly min = 1,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer (got ${max})`);
    if (!Number.isInteger(min) || min < 1 || min > max)
      throw new RangeError(`minimum concurrency must be an integer from 1 to ${max} (got ${min})`);
    this.window = max;
  }

  /** Tasks allowed to run at once right now. */
  get limit(): number {
    return Math.max(this.min, Math.floor(this.window));
  }

  get running(): number {
    return this.active;
  }

  /** Multiplicative decrease: halve the limit (not below `min`). */
  decrease(): void {
    this.window = Math.max(this.min, this.window / 2);
  }

  /** Additive increase: +1/limit, up to `max`; starts queued tasks the larger limit allows. */
  increase(): void {
    this.window = Math.min(this.max, this.window + 1 / Math.max(1, Math.floor(this.window)));
    this.drain();
  }

  private drain(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      this.active += 1; // the slot is taken on behalf of the task being woken
      this.queue.shift()?.();
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit && this.queue.length === 0) this.active += 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.drain();
    }
  }
}

export interface BackoffPolicy {
  /** Delay before the first retry; doubles with each further retry. */
  readonly baseMs: number;
  /** Longest delay before one retry. */
  readonly maxMs: number;
}

/**
 * Jittered exponential delay before retry number `retry` (0 = the first): half of min(maxMs, baseMs × 2^retry) fixed
 * plus up to the same again at random ("equal jitter": never shorter than half the step, spread so throttled callers
 * do not come back in step). `random` returns [0, 1), injectable for tests.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}
