/**
 * Whose data is at a path. The rotator marks what it writes (`custom_metadata.managed_by`) and records the
 * fingerprint of what it wrote, so it recognises its own certificate even when the marker is missing (a crash
 * between the data write and the metadata write) and refuses data somebody else wrote.
 */
import { MANAGED_BY } from '../config';

/** custom_metadata keys the rotator writes. */
export const META = {
  managedBy: 'managed_by',
  rotationId: 'rotation_id',
  rotatedAt: 'rotated_at',
  notAfter: 'not_after',
  serial: 'serial',
  fingerprint: 'fingerprint_sha256',
  /** Written before the data (with the rotation id): names what the next data version will be. */
  pendingFingerprint: 'pending_fingerprint',
  pendingRotationId: 'pending_rotation_id',
} as const;

export type Ownership =
  | { readonly kind: 'empty'; readonly note: string }
  | { readonly kind: 'owned'; readonly repairMetadata: boolean; readonly note: string }
  | { readonly kind: 'adopted'; readonly note: string }
  | { readonly kind: 'foreign'; readonly note: string };

export interface OwnershipInput {
  /** The key's current version; 0 when the path has never held data. */
  readonly currentVersion: number;
  /** Whether the current version is live (not deleted or destroyed). */
  readonly live: boolean;
  /** Fingerprint of the current certificate (or public key), undefined when there is none or it is unreadable. */
  readonly fingerprint: string | undefined;
  readonly customMetadata: Readonly<Record<string, string>>;
  readonly adopt: boolean;
}

export function decideOwnership(i: OwnershipInput): Ownership {
  const m = i.customMetadata;
  if (i.currentVersion === 0) return { kind: 'empty', note: 'the path holds no data yet' };
  if (!i.live)
    return { kind: 'empty', note: `version ${i.currentVersion} is deleted or destroyed; a new version is written` };
  const ours = m[META.managedBy] === MANAGED_BY;
  if (i.fingerprint && i.fingerprint === m[META.pendingFingerprint])
    return {
      kind: 'owned',
      repairMetadata: true,
      note: `version ${i.currentVersion} is the rotator's write ${m[META.pendingRotationId] ?? ''} whose metadata was not recorded; recording it now`.replace(
        '  ',
        ' ',
      ),
    };
  if (i.fingerprint && i.fingerprint === m[META.fingerprint])
    return ours
      ? { kind: 'owned', repairMetadata: false, note: 'written by the rotator' }
      : {
          kind: 'owned',
          repairMetadata: true,
          note: 'the rotator’s certificate, but the managed_by marker is missing; restoring it',
        };
  if (i.adopt)
    return {
      kind: 'adopted',
      note: `version ${i.currentVersion} was not written by the rotator; adopting it as the entry allows (adopt: true)`,
    };
  return {
    kind: 'foreign',
    note: ours
      ? `version ${i.currentVersion} was written by someone else after the rotator's last rotation (its certificate is not the one recorded); refusing to overwrite it (set adopt: true to take it over)`
      : `the path holds data the rotator did not write (no ${META.managedBy} marker and no recorded fingerprint); refusing to overwrite it (set adopt: true to take it over)`,
  };
}
