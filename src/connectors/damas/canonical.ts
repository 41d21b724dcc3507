// What is stored for a damas node: its canonical JSON (keys sorted at every depth, 2-space indent, a trailing
// newline), without the keys the server rewrites on its own (`lastlogin` on every sign-in, `lastActivity`), and
// without user nodes' password hashes. Its version is a hash of those bytes: damas has no modification stamps
// (`time` is the creation time and is not refreshed on update, research §3.2).

import { createHash } from 'node:crypto';

/** Keys the server changes without anyone editing the node: a backup's own sign-in would change its user node every run. */
export const VOLATILE_KEYS: readonly string[] = ['lastlogin', 'lastActivity'];

/**
 * User nodes hold the password's unsalted sha1 or md5: never written to the backup, where anyone who can read it
 * could look the passwords up. The key stays, with this value, so a restore shows the user had one.
 */
export const PASSWORD_KEY = 'password';
export const PASSWORD_PLACEHOLDER = '(password hash not backed up)';

/** The node as stored: volatile keys dropped, a password hash replaced (top level only: that is where damas keeps them). */
export function storedNode(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (VOLATILE_KEYS.includes(k)) continue;
    out[k] = k === PASSWORD_KEY && typeof v === 'string' ? PASSWORD_PLACEHOLDER : v;
  }
  return out;
}

/**
 * Canonical text of a JSON value. Written by hand rather than JSON.stringify of a key-sorted copy: JavaScript puts
 * keys that look like array indices ("2", "10") first in numeric order, whatever order they are added in.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '') + '\n';
}

function write(v: unknown, indent: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`not a JSON number: ${v}`);
    return JSON.stringify(v);
  }
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + write(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${write(o[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof v}`);
}

/** The bytes stored for a node. */
export function nodeContent(node: Record<string, unknown>): Buffer {
  return Buffer.from(canonicalJson(storedNode(node)), 'utf8');
}

/** The version label of a node: the first 16 hex digits of the sha256 of its stored bytes. */
export function versionOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
