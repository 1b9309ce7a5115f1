import { MANAGED_BY } from '../../../../lambdas/secret-rotator/config';
import { decideOwnership } from '../../../../lambdas/secret-rotator/core/ownership';

const base = { currentVersion: 3, live: true, fingerprint: 'f3', adopt: false };

describe('decideOwnership', () => {
  it.each([
    ['a new path', { currentVersion: 0, fingerprint: undefined, customMetadata: {} }, 'empty', undefined],
    ['a deleted current version', { live: false, customMetadata: {} }, 'empty', undefined],
    [
      'the rotator’s own write',
      { customMetadata: { managed_by: MANAGED_BY, fingerprint_sha256: 'f3' } },
      'owned',
      false,
    ],
    [
      'its write whose metadata was not recorded (crash between writes)',
      { customMetadata: { managed_by: MANAGED_BY, fingerprint_sha256: 'f2', pending_fingerprint: 'f3' } },
      'owned',
      true,
    ],
    ['its certificate with the marker missing', { customMetadata: { fingerprint_sha256: 'f3' } }, 'owned', true],
    ['data someone else wrote', { customMetadata: {} }, 'foreign', undefined],
    [
      'a later version written by someone else',
      { customMetadata: { managed_by: MANAGED_BY, fingerprint_sha256: 'f2' } },
      'foreign',
      undefined,
    ],
    [
      'an unreadable current version',
      { fingerprint: undefined, customMetadata: { managed_by: MANAGED_BY } },
      'foreign',
      undefined,
    ],
    ['foreign data with adopt: true', { adopt: true, customMetadata: {} }, 'adopted', undefined],
  ])('%s', (_what, input, kind, repair) => {
    const o = decideOwnership({ ...base, ...input });
    expect(o.kind).toBe(kind);
    if (o.kind === 'owned') expect(o.repairMetadata).toBe(repair);
    if (o.kind === 'foreign') expect(o.note).toMatch(/refusing to overwrite it \(set adopt: true to take it over\)$/);
  });
});
