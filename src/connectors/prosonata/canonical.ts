// Canonical JSON for ProSonata records: the bytes stored per record, and the hash the engine diffs on (the service
// has no modification stamps, research §2.3).
//
// - Object keys sorted (UTF-16 code unit order, as RFC 8785), recursively; 2-space indent; a trailing newline.
// - Values exactly as served. Numbers keep their source text (1.50 stays 1.50, a 20-digit id stays exact): the API's
//   answers are parsed with `parseLossless`, which keeps each number's text as a JSON.rawJSON value. Strings are
//   re-escaped the way JSON.stringify does, which changes only how a character is written, never the character.
// - Types are not coerced. ProSonata serves the same field with mixed types (workingTime "1.25" on GET but 1.25 in a
//   POST's answer; a primary key as "17" after POST, research §2.3). A record whose field flips from "1.25" to 1.25
//   therefore gets a new version and a commit showing the flip: it is what the API served, and coercing would need a
//   schema per field that could also hide a real change (a "0012" postal code is not 12).

import { createHash } from 'node:crypto';

/** JSON.rawJSON and JSON.isRawJSON (Node 21+, not in TypeScript's es2024 lib). */
const RawJSON = JSON as unknown as { rawJSON(text: string): object; isRawJSON(v: unknown): boolean };

export function isRawJson(v: unknown): v is { rawJSON: string } {
  return RawJSON.isRawJSON(v);
}

/**
 * JSON.parse keeping every number's source text (as a raw JSON value JSON.stringify writes back unchanged). A reviver
 * makes parsing ~7 times slower, so it is used only when some number would not be written back as it came: the fast
 * path scans for number-like tokens (between `:`, `,` or `[` and `,`, `}` or `]`); one inside a string only costs the
 * slow path, never a change.
 */
export function parseLossless(text: string): unknown {
  if (numbersRoundTrip(text)) return JSON.parse(text);
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown =>
    typeof value === 'number' && context?.source !== undefined && context.source !== String(value) ? RawJSON.rawJSON(context.source) : value;
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}

const numberToken = /[:,[]\s*(-?\d[\d.eE+-]*)(?=\s*[,}\]])/g;

/** True when every number-like token is written exactly as JavaScript writes the number it parses to. */
function numbersRoundTrip(text: string): boolean {
  numberToken.lastIndex = 0;
  for (let m = numberToken.exec(text); m; m = numberToken.exec(text)) {
    const token = m[1]!;
    if (String(Number(token)) !== token) return false;
  }
  return true;
}

/** A number from a parsed value: a number, a raw JSON number, or a string of digits (ProSonata's mixed types). */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (isRawJson(v)) return Number(v.rawJSON);
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** A value as plain JSON text (raw numbers written as served), for messages and tests. */
export function plainText(v: unknown): string {
  return isRawJson(v) ? v.rawJSON : typeof v === 'string' ? v : JSON.stringify(v);
}

/** The canonical text of a JSON value (see the top of this file). */
export function canonicalJson(value: unknown): string {
  // JSON.stringify of a key-sorted copy gives the same text ~4 times faster, unless a key looks like an array index:
  // JavaScript objects put those first, in numeric order, whatever order they were added in.
  const sorted = sortedCopy(value);
  return (sorted === indexKeys ? write(value, '') : JSON.stringify(sorted, null, 2)) + '\n';
}

const indexKeys = Symbol('index keys');
const indexKey = /^(0|[1-9]\d{0,9})$/;

function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || isRawJson(v)) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = sortedCopy(x);
      if (c === indexKeys) return indexKeys;
      out.push(c);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    if (indexKey.test(k)) return indexKeys;
    const c = sortedCopy((v as Record<string, unknown>)[k]);
    if (c === indexKeys) return indexKeys;
    out[k] = c;
  }
  return out;
}

function write(v: unknown, indent: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`not a JSON number: ${v}`);
    return JSON.stringify(v);
  }
  if (isRawJson(v)) return v.rawJSON;
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + write(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    if (keys.length === 0) return '{}';
    const o = v as Record<string, unknown>;
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${write(o[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof v}`);
}

/** The version label of a record: the first 16 hex digits of the sha256 of its canonical bytes. */
export function versionOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
