import { parseWalName } from './wal';

/** barman-cloud's WAL hash folder: timeline + log, 16 hex digits. */
const WAL_HASH_DIR = /^[0-9A-F]{16}$/;

/** Where a listed key sits in a barman server folder, from its path relative to the folder. */
export type BarmanKeyPlace =
  /** `id` is the backup folder; undefined for a key directly under base/ (no folder: left alone). */
  | { readonly kind: 'base'; readonly id?: string }
  /** `walName` is the file name when barman-cloud put it there; undefined for anything unrecognised under wals/. */
  | { readonly kind: 'wal'; readonly walName?: string }
  | { readonly kind: 'other' };

/**
 * Classifies one key of a barman server folder (`rel` is the key without the folder prefix): a file of a base backup
 * folder `base/<id>/...`, an object under `wals/`, or anything else (left alone).
 */
export function placeBarmanKey(rel: string): BarmanKeyPlace {
  if (rel.startsWith('base/')) {
    return { kind: 'base', id: firstFolder(rel.slice('base/'.length)) };
  }
  if (rel.startsWith('wals/')) {
    const path = rel.slice('wals/'.length);
    const slash = path.lastIndexOf('/');
    const dir = slash < 0 ? '' : path.slice(0, slash);
    const file = path.slice(slash + 1);
    // barman-cloud keeps a segment under its hash dir (timeline+log: 16 hex digits) and history files directly
    // under wals/. Anything elsewhere (a WAL name directly under wals/, a nested or misnamed folder) is
    // unrecognised and left alone.
    const placed =
      dir === ''
        ? parseWalName(file)?.kind === 'history'
        : WAL_HASH_DIR.test(dir) && file.startsWith(dir) && parseWalName(file)?.kind !== 'history';
    return { kind: 'wal', walName: placed ? file : undefined };
  }
  return { kind: 'other' };
}

/** The first folder name of a relative key (`name/...`), or undefined for a key with no folder. */
export function firstFolder(rest: string): string | undefined {
  const slash = rest.indexOf('/');
  return slash <= 0 ? undefined : rest.slice(0, slash);
}
