/**
 * What an import came to, said once: how many records were read, how many stored (new, updated,
 * unchanged) and skipped, the skipped ones counted by reason; and whether it failed: a run that
 * read files but could store no record at all (a wrong file, an unknown format) is a failure, for
 * the dashboard (red, with the reasons) and for the CLI (exit status 1). Pure.
 */
export interface ImportTotals {
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
  skippedReasons: Record<string, number>;
  seconds: number;
}

export interface ImportOutcome {
  ok: boolean;
  records: number;
  stored: number;
  /** Skipped records by reason, most frequent first. */
  reasons: Array<[string, number]>;
  /** One sentence: "50 records read: 50 new, 0 updated, 0 unchanged, 0 skipped." */
  counts: string;
  /** Why it failed (null when it did not). */
  failure: string | null;
}

const n = (x: number) => x.toLocaleString('en-US');

export function importOutcome(t: ImportTotals): ImportOutcome {
  const stored = t.new + t.updated + t.unchanged;
  const records = stored + t.skipped;
  const reasons = Object.entries(t.skippedReasons).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  const counts = `${n(records)} record${records === 1 ? '' : 's'} read: ${n(t.new)} new, ${n(t.updated)} updated, ${n(t.unchanged)} unchanged, ${n(t.skipped)} skipped.`;
  let failure: string | null = null;
  if (stored === 0) {
    failure =
      records === 0
        ? 'No cable records were found in the file. Is it a cable export (CSV, JSON lines, text or HTML)?'
        : `None of the ${n(records)} record${records === 1 ? '' : 's'} could be imported${reasons.length ? `; the most common reason: ${reasons[0][0]}` : ''}.`;
  }
  return { ok: failure === null, records, stored, reasons, counts, failure };
}
