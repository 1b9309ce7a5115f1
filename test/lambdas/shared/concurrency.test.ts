import { AdaptiveLimiter, backoffDelayMs, createLimiter, mapLimit } from '../../../lambdas/shared/concurrency';

test('createLimiter never runs more than its limit at once and runs everything', async () => {
  const limit = createLimiter(3);
  let active = 0;
  let peak = 0;
  const done = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        active -= 1;
        return i;
      }),
    ),
  );
  expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(peak).toBe(3);
  expect(() => createLimiter(0)).toThrow(/concurrency/);
});

test('mapLimit keeps the order of its input and never runs more than its limit', async () => {
  let active = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
    active += 1;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, n));
    active -= 1;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30, 0]);
  expect(peak).toBe(2);
  await expect(mapLimit([1], 0, async (n) => n)).rejects.toThrow(/concurrency/);
});

describe('AdaptiveLimiter (AIMD)', () => {
  /** A task that runs until its gate is opened; `started` lists the tasks that got a slot, in order. */
  function gated(limiter: AdaptiveLimiter, n: number) {
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const done = Array.from({ length: n }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        await new Promise<void>((resolve) => (gates[i] = resolve));
        return i;
      }),
    );
    return { started, open: (i: number) => gates[i](), done };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test('halves on each decrease, never below the minimum; grows back by about one per window of successes', () => {
    const l = new AdaptiveLimiter(8);
    expect(l.limit).toBe(8);
    l.decrease();
    expect(l.limit).toBe(4);
    l.decrease();
    l.decrease();
    l.decrease();
    expect(l.limit).toBe(1);
    l.increase();
    expect(l.limit).toBe(2); // 1 + 1/1
    l.increase();
    expect(l.limit).toBe(2); // 2.5
    l.increase();
    expect(l.limit).toBe(3); // 2.5 + 1/2
    for (let i = 0; i < 100; i++) l.increase();
    expect(l.limit).toBe(8); // never above the maximum
    expect(new AdaptiveLimiter(6, 2).limit).toBe(6);
    const floor = new AdaptiveLimiter(6, 2);
    floor.decrease();
    floor.decrease();
    expect(floor.limit).toBe(2);
    expect(() => new AdaptiveLimiter(0)).toThrow(/concurrency/);
    expect(() => new AdaptiveLimiter(4, 5)).toThrow(/minimum concurrency/);
  });

  test('after a decrease no task starts until fewer than the new limit run; an increase starts queued ones (FIFO)', async () => {
    const l = new AdaptiveLimiter(4);
    const t = gated(l, 8);
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3]);
    l.decrease(); // limit 2 while 4 run: running tasks are not interrupted
    t.open(0);
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3]); // 3 running ≥ 2
    t.open(1);
    t.open(2);
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3, 4]); // 1 was running: one more
    expect(l.running).toBe(2);
    l.increase(); // 2.5: still 2
    await settle();
    expect(t.started).toHaveLength(5);
    l.increase(); // 3
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5]);
    for (const i of [3, 4, 5, 6, 7]) {
      await settle();
      t.open(i);
    }
    await expect(Promise.all(t.done)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(l.running).toBe(0);
  });
});

test('backoffDelayMs: exponential steps up to the maximum, half fixed and half jittered', () => {
  const policy = { baseMs: 1000, maxMs: 5000 };
  expect([0, 1, 2, 3, 10].map((r) => backoffDelayMs(r, policy, () => 0))).toEqual([500, 1000, 2000, 2500, 2500]);
  expect([0, 1, 2, 3].map((r) => backoffDelayMs(r, policy, () => 0.999999))).toEqual([1000, 2000, 4000, 5000]);
  expect(backoffDelayMs(1, policy, () => 0.5)).toBe(1500);
});
