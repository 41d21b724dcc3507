// Turns hostile, user-given names into readable, safe, unique path segments for the backup repository (DESIGN §3).
//
// Rules of safeSegment, in order (each documented where it is implemented):
//  1. NFC. Replaced by "_": / \ : * ? " < > |, every control character (C0, DEL, C1), lone surrogates, U+2028/2029,
//     bidi controls (U+061C, U+200E/200F, U+202A–202E, U+2066–2069: they let "invoice\u202Efdp.exe" pose as
//     "invoiceexe.pdf"), the deprecated invisible format characters U+206A–206F and U+FEFF. ZWJ/ZWNJ stay (emoji, scripts).
//  2. Leading whitespace and trailing whitespace/dots are trimmed (Windows drops trailing dots and spaces); nothing left → "_".
//  3. Windows device names (CON, PRN, AUX, NUL, CLOCK$, CONIN$, CONOUT$, COM0–9, LPT0–9, COM¹²³, LPT¹²³), any case, alone or
//     before a "." (an extension): "_" goes right after the device word: "CON" → "CON_", "aux.txt" → "aux_.txt".
//  4. Names git or this tool treat specially (.git, .gitattributes, .gitignore, .gitmodules, .mailmap, .lfsconfig,
//     .workspace-backup), also as seen by case-insensitive HFS+/NTFS (any case, HFS-ignorable characters inside) and their
//     NTFS 8.3 aliases (git~1, gitmod~1, gi7eba~1, …): prefixed with "_".
//  5. More than 200 bytes of UTF-8 (255 is the filesystem limit; the rest is headroom for the " (id)" suffix): the stem is cut
//     on a code point boundary (backing off so no combining mark, ZWJ sequence, emoji modifier or flag is split), then
//     "~" + 8 hex of sha256(NFC name) and the extension are appended: "<stem>~1a2b3c4d.docx".

import { createHash } from 'node:crypto';

/** Longest segment safeSegment returns, in UTF-8 bytes. */
const maxSegmentBytes = 200;
/** Filesystem limit for one name, in UTF-8 bytes; allocateSegments' suffixed names stay within it. */
const maxNameBytes = 255;

/** Characters replaced by "_" (see rule 1). With the u flag, \p{Cs} matches only lone surrogates. */
const forbidden = /[/\\:*?"<>|\p{Cc}\p{Cs}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u206A-\u206F\uFEFF]/gu;
/** The same set, to test without the g flag's lastIndex state. */
const forbiddenOne = new RegExp(forbidden.source, 'u');

const leadingSpace = /^\s+/u;
const trailingSpaceOrDot = /[\s.]+$/u;

/** A Windows device name, as the whole name or before the first "." (trailing spaces before the dot do not help). */
const deviceName = /^(?:CON|PRN|AUX|NUL|CLOCK\$|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(?= *(?:\.|$))/iu;

/** Characters HFS+ ignores when comparing names (git's is_hfs_dotgit skips them too). */
const hfsIgnorable = /[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/gu;

/** Names special to git or to this tool at any depth, compared after foldForFs. */
const specialNames = new Set(['.git', '.gitattributes', '.gitignore', '.gitmodules', '.mailmap', '.lfsconfig', '.workspace-backup']);
/** NTFS 8.3 short names that alias the special names (git checks the same ones, with any ~digits). */
const ntfsShortAlias = /^(?:git|gitmod|gi7eba|gitatt|gi7d29|gitign|gi250a|mailma|maba30|lfscon|worksp)~[0-9]+$/;

/** An extension: the last "." followed by 1–16 code points that are neither dots nor whitespace, not at the start. */
const extension = /\.[^.\s]{1,16}$/u;

/** Characters a cut must not precede: combining marks, ZWJ/ZWNJ, variation selectors (Mn), emoji modifiers, tag characters. */
const continuation = /^[\p{M}\u200C\u200D\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]/u;
const regionalIndicator = /^[\u{1F1E6}-\u{1F1FF}]$/u;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Case folding as strong as any filesystem's (full upper/lower mapping merges ß/SS/ẞ, ſ/s, K/k), without normalising. */
function foldCase(s: string): string {
  return s.toLowerCase().toUpperCase().toLowerCase();
}

/** True when the segment, as a case-insensitive filesystem or git sees it, is one of the special names. */
function isGitSpecial(segment: string): boolean {
  const key = foldCase(segment.replace(hfsIgnorable, '')).replace(trailingSpaceOrDot, '');
  return specialNames.has(key) || ntfsShortAlias.test(key);
}

/** Splits off the extension (rule in `extension`); empty when there is none or it is not wanted. */
function splitExtension(segment: string, keepExtension: boolean): [stem: string, ext: string] {
  if (!keepExtension) return [segment, ''];
  const m = extension.exec(segment);
  return m && m.index > 0 ? [segment.slice(0, m.index), m[0]] : [segment, ''];
}

/** The longest prefix of `stem` within `budget` bytes that does not split a character sequence (when avoidable). */
function cutStem(stem: string, budget: number): string {
  const cps = Array.from(stem);
  let bytes = 0;
  let n = 0;
  while (n < cps.length) {
    const b = utf8(cps[n]!);
    if (bytes + b > budget) break;
    bytes += b;
    n++;
  }
  const hard = n;
  const splits = (i: number): boolean => {
    if (i <= 0 || i >= cps.length) return false;
    if (continuation.test(cps[i]!) || cps[i - 1] === '\u200D') return true;
    if (regionalIndicator.test(cps[i]!) && regionalIndicator.test(cps[i - 1]!)) {
      let run = 0;
      for (let j = i - 1; j >= 0 && regionalIndicator.test(cps[j]!); j--) run++;
      return run % 2 === 1; // an odd run before the cut would leave half a flag
    }
    return false;
  };
  while (n > 0 && splits(n)) n--;
  if (n === 0) n = hard; // one endless cluster: a code point cut is the best we can do
  return cps.slice(0, n).join('');
}

/** Maps one user-given name to one safe path segment (deterministic, total). */
export function safeSegment(name: string, opts?: { keepExtension?: boolean }): string {
  const keepExtension = opts?.keepExtension ?? true;
  const nfc = String(name).normalize('NFC');
  // Rules 1–2. Trim first so that a trailing newline disappears rather than becoming "_"; whitespace inside is kept
  // except the characters replaced.
  let s = nfc.replace(leadingSpace, '').replace(trailingSpaceOrDot, '').replace(forbidden, '_');
  s = s.replace(leadingSpace, '').replace(trailingSpaceOrDot, '');
  if (s === '') s = '_';
  // Rule 3.
  const device = deviceName.exec(s);
  if (device) s = s.slice(0, device[0].length) + '_' + s.slice(device[0].length);
  // Rule 4.
  if (isGitSpecial(s)) s = '_' + s;
  // Rule 5.
  if (utf8(s) > maxSegmentBytes) {
    const [stem, ext] = splitExtension(s, keepExtension);
    const mark = '~' + sha256hex(nfc).slice(0, 8);
    s = cutStem(stem, maxSegmentBytes - utf8(mark) - utf8(ext)) + mark + ext;
  }
  return s;
}

/** Key under which two segments collide on a case-insensitive or normalising filesystem (NFC + case fold). */
export function collisionKey(segment: string): string {
  return foldCase(segment.normalize('NFC').replace(hfsIgnorable, '')).normalize('NFC');
}

/** True when a segment is one safeSegment could have produced (no separator, no control char, not reserved, etc.). */
export function isSafeSegment(segment: string): boolean {
  return (
    typeof segment === 'string' &&
    segment !== '' &&
    utf8(segment) <= maxNameBytes &&
    segment === segment.normalize('NFC') &&
    !forbiddenOne.test(segment) &&
    !leadingSpace.test(segment) &&
    !trailingSpaceOrDot.test(segment) && // also rules out "." and ".."
    !deviceName.test(segment) &&
    !isGitSpecial(segment)
  );
}

/**
 * Joins safe segments into a repo-relative POSIX path; throws if any segment is not safe (defence in depth).
 * For paths derived from user names only: the tool's own files (.workspace-backup/…, .gitattributes) are refused on purpose.
 */
export function joinSafe(...segments: string[]): string {
  if (segments.length === 0) throw new TypeError('joinSafe needs at least one segment');
  for (const s of segments) {
    if (!isSafeSegment(s)) throw new TypeError(`Refusing unsafe path segment ${JSON.stringify(s)} (not produced by safeSegment)`);
  }
  return segments.join('/');
}

export interface NameEntry { id: string; name: string; kind: 'folder' | 'document' | 'link' }

/**
 * Orders ids: numerically when both are digits, else by string (code unit) order. To stay a total order when a folder
 * mixes both (pairwise rules alone would cycle: "20" < "100" < "1:" < "20"), all-digit ids come before the others.
 */
function compareIds(a: string, b: string): number {
  const da = /^[0-9]+$/.test(a);
  const db = /^[0-9]+$/.test(b);
  if (da !== db) return da ? -1 : 1;
  if (da) {
    const x = a.replace(/^0+(?=.)/, '');
    const y = b.replace(/^0+(?=.)/, '');
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The id as it appears in a suffix: itself when short and plain, else "~" + 16 hex of its sha256 (keeps ≤ 255 bytes). */
function idLabel(id: string): string {
  return /^[A-Za-z0-9_-]{1,40}$/.test(id) ? id : '~' + sha256hex(id).slice(0, 16);
}

/**
 * Assigns a segment to every entry of one folder: deterministic, injective under collisionKey, stable:
 * entries whose safe names collide (with each other or with `reserved`, which holds segments already
 * taken in that folder, e.g. by deleted documents that keep their path) get a " (<id>)" suffix before
 * the extension; among colliding entries the one with the smallest id (numeric order when both ids are
 * digits, else string order) keeps the plain name unless that name is reserved.
 *
 * In a folder mixing all-digit and other ids, all-digit ids count as smaller (a total order is needed for determinism).
 * Links are treated like documents (suffix before the extension), folders get the suffix at the end. Plain names are
 * settled first; should a suffixed name hit a taken one (a user named a file "Report (7).docx"), the suffix grows a hash:
 * " (<id> <8 hex>)". Throws a TypeError on duplicate ids. The map iterates in id order, whatever the input order.
 */
export function allocateSegments(entries: NameEntry[], reserved: Iterable<string> = []): Map<string, string> {
  const sorted = [...entries].sort((a, b) => compareIds(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new TypeError(`allocateSegments: id ${JSON.stringify(sorted[i]!.id)} appears twice`);
  }
  const taken = new Set<string>();
  for (const r of reserved) taken.add(collisionKey(r));
  const reservedKeys = new Set(taken);

  const plain = new Map<string, string>(); // id → safe name without suffix
  const result = new Map<string, string>();
  const groupOwner = new Map<string, string>(); // collision key → id of the smallest entry (first in sorted order)
  for (const e of sorted) {
    const seg = safeSegment(e.name, { keepExtension: e.kind !== 'folder' });
    plain.set(e.id, seg);
    const key = collisionKey(seg);
    if (!groupOwner.has(key)) groupOwner.set(key, e.id);
  }
  // Pass 1: the smallest id of each group keeps its plain name unless reserved.
  for (const [key, id] of groupOwner) {
    if (reservedKeys.has(key)) continue;
    result.set(id, plain.get(id)!);
    taken.add(key);
  }
  // Pass 2: everyone else, in id order, gets the first free suffixed name.
  for (const e of sorted) {
    if (result.has(e.id)) continue;
    const [stem, ext] = splitExtension(plain.get(e.id)!, e.kind !== 'folder');
    const label = idLabel(e.id);
    let seg = `${stem} (${label})${ext}`;
    for (let k = 1; taken.has(collisionKey(seg)); k++) {
      if (k > 10_000) throw new Error(`allocateSegments: no free name for id ${JSON.stringify(e.id)}`); // unreachable in practice
      seg = `${stem} (${label} ${sha256hex(`${k}\n${e.id}\n${stem}${ext}`).slice(0, 8)})${ext}`;
    }
    result.set(e.id, seg);
    taken.add(collisionKey(seg));
  }
  // Iterate in id order.
  return new Map(sorted.map((e) => [e.id, result.get(e.id)!]));
}
