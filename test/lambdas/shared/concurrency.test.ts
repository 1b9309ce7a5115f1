import { createLimiter, mapLimit } from '../../../lambdas/shared/concurrency';

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
