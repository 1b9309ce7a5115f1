/**
 * Bundle budgets: sizes are deterministic, so a test is the right check (times are not: they go to the bench).
 * Each registered job's handler is built exactly as OpsFunction deploys it; over its budget, the failure lists the
 * inputs that put the most bytes into the bundle.
 */
import { JOBS } from '../../lib/jobs';
import { buildJobBundle, topInputs } from './build-bundles';

describe('bundle budgets', () => {
  it.each(JOBS.map((job) => [job.name, job.bundleBudgetKiB] as const))(
    '%s stays within %d KiB',
    async (name, budgetKiB) => {
      const bundle = await buildJobBundle(name);
      const kib = bundle.bytes / 1024;
      if (kib > budgetKiB) {
        const top = topInputs(bundle)
          .map((t) => `  ${(t.bytes / 1024).toFixed(1).padStart(7)} KiB  ${t.input}`)
          .join('\n');
        throw new Error(`${name}: ${kib.toFixed(1)} KiB is over its ${budgetKiB} KiB budget. Top inputs:\n${top}`);
      }
      expect(kib).toBeLessThanOrEqual(budgetKiB);
    },
    60_000,
  );
});
