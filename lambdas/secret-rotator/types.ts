/** Results of a secret-rotator run: one per managed secret and one per watched secret. */

export type RotationAction = 'rotated' | 'skipped' | 'failed' | 'would-rotate';

export interface RotationResult {
  readonly secret: string;
  readonly kind: 'managed';
  readonly action: RotationAction;
  /** Why: the due decision, the refusal, or the failure (never key material). */
  readonly reason: string;
  /** KV version now current (the new one when rotated). */
  readonly version?: number;
  readonly notAfter?: string;
  readonly daysLeft?: number;
  readonly serial?: string;
  readonly fingerprint?: string;
  readonly rotatedAt?: string;
  readonly due?: boolean;
  /** Things done or noticed on the way (metadata repaired, previous version will drop out, ...). */
  readonly notes: readonly string[];
  /** What was written before a later step failed (so a failure still says what was done). */
  readonly written?: readonly string[];
}

export interface WatchResult {
  readonly secret: string;
  readonly kind: 'watched';
  readonly action: 'watched' | 'failed';
  readonly reason: string;
  readonly version?: number;
  readonly notAfter?: string;
  readonly daysLeft?: number;
  readonly serial?: string;
}

export interface RotatorRunResult {
  readonly dryRun: boolean;
  readonly results: readonly RotationResult[];
  readonly watched: readonly WatchResult[];
}
