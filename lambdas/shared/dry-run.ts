/**
 * The dry-run switch. Anything that deletes, tags or resizes is dry-run unless the operator says otherwise in
 * so many words: only the exact text "false" turns it off; an unset value means dry-run, and any other value is
 * an error rather than a guess.
 */
export function resolveDryRun(raw: string | undefined, name = 'DRY_RUN'): boolean {
  if (raw === undefined || raw === '' || raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be "true" or "false" (got ${JSON.stringify(raw.slice(0, 20))})`);
}

/** Labels a planned action in logs and reports, so nobody mistakes a plan for something that happened. */
export function dryRunLabel(dryRun: boolean): 'DRY RUN' | 'EXECUTE' {
  return dryRun ? 'DRY RUN' : 'EXECUTE';
}
