// One backed-up thing as the manifest and the state database record it (DESIGN §3).

import type { ItemKind, Person } from './model.ts';

export type EntryKind = 'workspace' | ItemKind;

/** The commit trailer that names a thing of this kind by its id (Document-Id: 123). */
export function idTrailerKey(kind: EntryKind): string {
  return kind === 'link' ? 'Link-Id' : kind === 'folder' ? 'Folder-Id' : kind === 'workspace' ? 'Workspace-Id' : 'Document-Id';
}

export interface Entry {
  source: string;
  id: string;
  kind: EntryKind;
  name: string;
  /** Repo-relative POSIX path: a directory for workspaces and folders, a file for documents and links. */
  path: string;
  /** Holding folder id; null at a workspace's root and for workspaces. */
  parent: string | null;
  /** Workspace id (a workspace's own id for workspace entries). */
  container: string;
  modifiedAt?: string;
  version?: string;
  modifier?: Person;
  size?: number;
  sha256?: string;
  lfs?: boolean;
  url?: string;
  /** When the tool noticed the item was gone from the service (ISO). */
  deletedAt?: string;
  /** For workspaces: when the tool noticed it archived (ISO). */
  archivedAt?: string;
}

const keyOrder: Array<keyof Entry> = [
  'id', 'kind', 'name', 'path', 'parent', 'container', 'modifiedAt', 'version', 'modifier', 'size', 'sha256', 'lfs', 'url', 'deletedAt', 'archivedAt',
];

/** Canonical one-line JSON of an entry: fixed key order, absent fields left out, source implied by the file. */
export function entryToLine(e: Entry): string {
  const out: Record<string, unknown> = {};
  for (const k of keyOrder) {
    const v = e[k];
    if (v === undefined) continue;
    if (k === 'modifier' && v && typeof v === 'object') {
      const p = v as Person;
      out[k] = p.email ? { id: p.id, name: p.name, email: p.email } : { id: p.id, name: p.name };
    } else {
      out[k] = v;
    }
  }
  return JSON.stringify(out);
}

/** Parses one manifest line; throws with the line number on anything malformed. */
export function entryFromLine(line: string, source: string, where: string): Entry {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if (typeof v !== 'object' || v === null) throw new Error(`${where}: not an object`);
  const o = v as Record<string, unknown>;
  for (const k of ['id', 'kind', 'name', 'path', 'container']) {
    if (typeof o[k] !== 'string') throw new Error(`${where}: "${k}" missing or not a string`);
  }
  if (!['workspace', 'folder', 'document', 'link'].includes(o.kind as string)) throw new Error(`${where}: unknown kind ${String(o.kind)}`);
  return { ...(o as unknown as Omit<Entry, 'source'>), parent: (o.parent as string | null | undefined) ?? null, source };
}

/** Sorts ids numerically when both are digits, else as strings: the manifest's order. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}
