import { formatBytes } from '../../../../lambdas/backup-pruner/core/format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536 * 1024 * 1024, '1.5 GiB'],
    [2 ** 60, '1024.0 PiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
