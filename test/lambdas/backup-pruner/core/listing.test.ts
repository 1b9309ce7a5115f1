import { firstFolder, placeBarmanKey } from '../../../../lambdas/backup-pruner/core/listing';
import { seg } from '../fixtures';

describe('placeBarmanKey', () => {
  const wal = seg(1, 2, 3);
  it.each([
    ['base/20250601T000000/data.tar', { kind: 'base', id: '20250601T000000' }],
    ['base/20250601T000000/annotations/keep', { kind: 'base', id: '20250601T000000' }],
    ['base/backup.info', { kind: 'base', id: undefined }],
    [`wals/${wal.slice(0, 16)}/${wal}.gz`, { kind: 'wal', walName: `${wal}.gz` }],
    ['wals/00000002.history', { kind: 'wal', walName: '00000002.history' }],
    [`wals/${wal}`, { kind: 'wal', walName: undefined }],
    [`wals/0000000100000009/${wal}`, { kind: 'wal', walName: undefined }],
    [`wals/x/${wal.slice(0, 16)}/${wal}`, { kind: 'wal', walName: undefined }],
    ['README', { kind: 'other' }],
    ['basement/x', { kind: 'other' }],
  ])('%s', (rel, expected) => {
    expect(placeBarmanKey(rel)).toEqual(expected);
  });
});

describe('firstFolder', () => {
  it('names the first folder, or nothing for a key without one', () => {
    expect(firstFolder('daily-1/a.tar')).toBe('daily-1');
    expect(firstFolder('a.tar')).toBeUndefined();
    expect(firstFolder('/a.tar')).toBeUndefined();
  });
});
