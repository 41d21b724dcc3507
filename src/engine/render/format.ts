// How the site writes sizes, dates and commit ids for people: fixed formats (UTC), so a page changes only when its data does.

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** UTC ISO strings as the engine writes them ("2026-11-23T10:52:24Z", ".936Z", "+00:00"): read without Date (fast). */
const utcIso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]00:?00)$/;

/** A sortable key for a date (ISO in UTC, to the second), empty when unknown. */
export function dateKey(iso: string | undefined): string {
  if (!iso) return '';
  if (utcIso.test(iso)) return iso.length >= 19 && iso[16] === ':' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 16)}:00Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString().slice(0, 19)}Z`;
}

/** "2026-11-23 10:52 UTC" from an ISO date; the input unchanged when it is not a date. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const k = dateKey(iso);
  return k ? `${k.slice(0, 10)} ${k.slice(11, 16)} UTC` : iso;
}

/** The date alone: "2026-11-23". */
export function formatDay(iso: string | undefined): string {
  if (!iso) return '';
  const k = dateKey(iso);
  return k ? k.slice(0, 10) : iso;
}

export function shortCommit(sha: string): string {
  return sha.slice(0, 10);
}
