import { resolveDryRun } from '../../../lambdas/shared/dry-run';

describe('resolveDryRun', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['true', true],
    ['false', false],
  ])('%p → dry run %p', (raw, expected) => expect(resolveDryRun(raw)).toBe(expected));

  it.each(['False', '0', 'no', 'off'])('refuses to guess on %p', (raw) => {
    expect(() => resolveDryRun(raw, 'DRY_RUN')).toThrow(/DRY_RUN must be "true" or "false"/);
  });
});
