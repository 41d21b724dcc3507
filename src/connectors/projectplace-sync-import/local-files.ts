// Finds the content the old tool downloaded: `<filestorage>/<workspace_id>/<document_id>.<ext>`, where ext is the text
// after the last dot of the document's name (no dot: just `<document_id>`). Never follows a link out of that folder.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The file name the old tool gave a document's content (models/document.py `local_filename`); undefined without a name. */
export function oldLocalFileName(id: string, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const dot = name.lastIndexOf('.');
  return dot < 0 ? id : `${id}.${name.slice(dot + 1)}`;
}

/** A name the old tool could have written as one file in the workspace folder (an extension with "/" made it fail). */
function storable(fileName: string): boolean {
  return !fileName.includes('/') && !fileName.includes('\0') && Buffer.byteLength(fileName) <= 255;
}

export type Located = { ok: true; path: string; size: number; note?: string } | { ok: false; error: string };

/**
 * Locates one document's file. The expected name first; else the one file named `<id>` or `<id>.<anything>` (a rename
 * that changed the extension left the content under the old one, research §1.4). Symbolic links and anything but a
 * regular file are refused: the import reads only what the old tool wrote.
 */
export class LocalFiles {
  readonly root: string;
  #listings = new Map<string, string[] | undefined>();

  constructor(root: string) {
    this.root = root;
  }

  #entries(workspaceId: string): string[] | undefined {
    if (!this.#listings.has(workspaceId)) {
      let list: string[] | undefined;
      try {
        list = readdirSync(join(this.root, workspaceId));
      } catch {
        list = undefined;
      }
      this.#listings.set(workspaceId, list);
    }
    return this.#listings.get(workspaceId);
  }

  locate(workspaceId: string, id: string, name: string | undefined): Located {
    if (!/^\d+$/.test(workspaceId) || !/^\d+$/.test(id)) return { ok: false, error: `ids ${workspaceId}/${id} are not numbers` };
    const dir = join(this.root, workspaceId);
    const entries = this.#entries(workspaceId);
    if (!entries) return { ok: false, error: `the folder ${dir} does not exist` };
    const expected = oldLocalFileName(id, name);
    let chosen: string | undefined;
    let note: string | undefined;
    if (expected !== undefined && storable(expected) && entries.includes(expected)) {
      chosen = expected;
    } else {
      const candidates = entries.filter((e) => e === id || e.startsWith(`${id}.`));
      if (candidates.length === 1) {
        chosen = candidates[0]!;
        if (expected !== undefined) note = `stored as ${chosen}, not ${expected} (renamed to another extension after the old tool downloaded it)`;
      } else if (candidates.length > 1) {
        return { ok: false, error: `several files in ${dir} could be its content (${candidates.sort().join(', ')}) and none is ${expected ?? 'named after it'}` };
      } else if (expected !== undefined && !storable(expected)) {
        return { ok: false, error: `the old tool could not store a file for the name ${JSON.stringify(name)} (its extension holds "/"), and ${dir} has no file ${id}.*` };
      } else {
        return { ok: false, error: `its file ${join(dir, expected ?? `${id}.*`)} is missing` };
      }
    }
    const path = join(dir, chosen);
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      return { ok: false, error: `its file ${path} cannot be read: ${(e as Error).message}` };
    }
    if (st.isSymbolicLink()) return { ok: false, error: `its file ${path} is a symbolic link, which the import does not follow` };
    if (!st.isFile()) return { ok: false, error: `${path} is not a regular file` };
    return note ? { ok: true, path, size: st.size, note } : { ok: true, path, size: st.size };
  }
}
