/**
 * WAL archive names as barman-cloud stores them: `wals/<hash_dir>/<name>[.<compression>]` where hash_dir is the
 * first 16 hex digits (timeline + log) of the 24-digit segment name, and history files sit directly under `wals/`.
 * Recognised names (barman xlog.py): a segment, `<segment>.partial`, `<segment>.<8 hex>.backup`, `<tli>.history`.
 */
export const WAL_COMPRESSION_SUFFIXES = ['.gz', '.bz2', '.xz', '.snappy', '.zst', '.lz4'] as const;

export type WalKind = 'segment' | 'partial' | 'backup-label' | 'history';

export interface WalName {
  readonly kind: WalKind;
  /** The 24-digit segment the file belongs to (absent for history files). */
  readonly segment?: string;
  readonly timeline: number;
}

const SEGMENT_RE = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial|\.[0-9A-F]{8}\.backup)?$/;
const HISTORY_RE = /^([0-9A-F]{8})\.history$/;

/** Parses a WAL file name (no directory); undefined when it is not a name barman would archive. */
export function parseWalName(fileName: string): WalName | undefined {
  let name = fileName;
  for (const suffix of WAL_COMPRESSION_SUFFIXES) {
    if (name.endsWith(suffix)) {
      name = name.slice(0, -suffix.length);
      break;
    }
  }
  const history = HISTORY_RE.exec(name);
  if (history) return { kind: 'history', timeline: Number.parseInt(history[1], 16) };
  const m = SEGMENT_RE.exec(name);
  if (!m) return undefined;
  const kind: WalKind = m[4] === undefined ? 'segment' : m[4] === '.partial' ? 'partial' : 'backup-label';
  return { kind, segment: `${m[1]}${m[2]}${m[3]}`, timeline: Number.parseInt(m[1], 16) };
}

/** A WAL range a keep:standalone backup needs (inclusive, by 24-digit segment name). */
export interface WalRange {
  readonly from: string;
  readonly to: string;
  readonly backupId: string;
}

/**
 * What the WAL planner needs from the backup plan. `cutoff` is the begin_wal of the oldest retained backup whose
 * WAL chain must stay complete; undefined means no WAL may be deleted.
 */
export interface WalPolicy {
  readonly cutoff?: string;
  /** Why no WAL is deleted, when cutoff is undefined. */
  readonly noCutoffReason?: string;
  /** Timelines a retained backup is on: their WALs are kept unless they are on the cutoff's own timeline. */
  readonly protectedTimelines: readonly number[];
  /** Ranges kept for keep:standalone backups older than the cutoff. */
  readonly protectedRanges: readonly WalRange[];
}

export type WalVerdict =
  | { readonly action: 'delete' }
  | {
      readonly action: 'keep';
      readonly reason: 'history' | 'unrecognised' | 'at-or-after-cutoff' | 'timeline' | 'standalone' | 'no-cutoff';
    };

/** Decides one WAL file. Pure and cheap: the lister streams millions of keys through it. */
export function classifyWal(fileName: string, policy: WalPolicy): WalVerdict {
  return classifyParsedWal(parseWalName(fileName), policy);
}

function classifyParsedWal(wal: WalName | undefined, policy: WalPolicy): WalVerdict {
  if (!wal) return { action: 'keep', reason: 'unrecognised' };
  if (wal.kind === 'history') return { action: 'keep', reason: 'history' };
  if (policy.cutoff === undefined) return { action: 'keep', reason: 'no-cutoff' };
  const segment = wal.segment as string;
  if (segment >= policy.cutoff) return { action: 'keep', reason: 'at-or-after-cutoff' };
  const cutoffTimeline = Number.parseInt(policy.cutoff.slice(0, 8), 16);
  if (wal.timeline !== cutoffTimeline && policy.protectedTimelines.includes(wal.timeline)) {
    return { action: 'keep', reason: 'timeline' };
  }
  for (const range of policy.protectedRanges) {
    if (segment >= range.from && segment <= range.to) return { action: 'keep', reason: 'standalone' };
  }
  return { action: 'delete' };
}

export interface WalTally {
  /** WAL objects seen. */
  total: number;
  totalBytes: number;
  toDelete: number;
  bytesToFree: number;
  kept: Record<string, number>;
  /** Newest LastModified of a segment or partial file (freshness of archiving). */
  newestArchivedAt?: Date;
  /** Deletable keys, held only up to `maxKeys`; beyond that they are only counted. */
  keys: string[];
  keysTruncated: boolean;
}

/**
 * Streams WAL objects through classifyWal, holding only the keys that must be deleted (up to `maxKeys`) and
 * counts, so a bucket of millions of WALs plans in bounded memory.
 */
export class WalTallier {
  private readonly tally: WalTally = {
    total: 0,
    totalBytes: 0,
    toDelete: 0,
    bytesToFree: 0,
    kept: {},
    keys: [],
    keysTruncated: false,
  };

  constructor(
    private readonly policy: WalPolicy,
    private readonly maxKeys: number,
  ) {}

  /** `fileName` undefined: the object is not where barman-cloud puts a WAL; it is kept as unrecognised. */
  add(key: string, fileName: string | undefined, size: number, lastModified: Date | undefined): void {
    const t = this.tally;
    t.total++;
    t.totalBytes += size;
    const wal = fileName === undefined ? undefined : parseWalName(fileName);
    const verdict = classifyParsedWal(wal, this.policy);
    if (wal && wal.kind !== 'history' && lastModified && (!t.newestArchivedAt || lastModified > t.newestArchivedAt)) {
      t.newestArchivedAt = lastModified;
    }
    if (verdict.action === 'keep') {
      t.kept[verdict.reason] = (t.kept[verdict.reason] ?? 0) + 1;
      return;
    }
    t.toDelete++;
    t.bytesToFree += size;
    if (t.keys.length < this.maxKeys) t.keys.push(key);
    else t.keysTruncated = true;
  }

  result(): WalTally {
    return this.tally;
  }
}
