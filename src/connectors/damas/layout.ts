// Where a damas node goes in the backup: its `_id` read as a path. damas has no workspaces or folders of its own;
// ids are usually file-like paths ("/Alpha/shots/sh010/comp_v003.exr") or 24-hex ObjectIds the server made
// (versions, comments, links, users). The containers:
//
//  - the first segment of a path-like id: one container per project-like top folder, so the backup reads
//    damas/Alpha/shots/sh010/comp_v003.exr.json and the manifest is split the same way;
//  - one container "_objects" for all ObjectId nodes (flat: <hex>.json), whose ids carry no place of their own;
//  - one container "_top" for ids of a single segment ("/Alpha", "idCustom;.*?<>#%"), which have no folder to sit in.
//
// The segments between are folders (synthetic items; damas has no folder nodes), the last segment plus ".json" the
// file name. Names are passed as damas has them: the engine makes them safe (src/lib/safe-path.ts: "..", "/", "\",
// control characters, device names, case and NFC/NFD twins, long names, collisions with a stable " (id)" suffix).
// The connector only keeps ids apart: container ids are made of [A-Za-z0-9_-] (they name manifest files) with a
// hash of the segment, so "a b" and "a_b" never share one; folder ids are "dir:" + the id's prefix, made longer in
// the unlikely case a node has that very id.

import { createHash } from 'node:crypto';

export interface Place {
  /** Container id (the manifest file's name): dir_top, dir_objects, or dir_<slug>_<hash>. */
  containerId: string;
  /** The container's name as damas spells it ("Alpha"), or _top / _objects. */
  containerName: string;
  /** Folders below the container, outermost first: each its name and its id prefix ("/Alpha/shots"). */
  folders: Array<{ name: string; prefix: string }>;
  /** The file name: the last segment plus ".json". */
  name: string;
}

export const OBJECT_ID = /^[0-9a-f]{24}$/;
export const TOP_CONTAINER = { id: 'dir_top', name: '_top' } as const;
export const OBJECTS_CONTAINER = { id: 'dir_objects', name: '_objects' } as const;

export function containerIdOf(segment: string): string {
  const slug = segment.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'x';
  const hash = createHash('sha256').update(segment, 'utf8').digest('hex').slice(0, 10);
  return `dir_${slug}_${hash}`;
}

export function placeOf(id: string): Place {
  if (OBJECT_ID.test(id)) return { containerId: OBJECTS_CONTAINER.id, containerName: OBJECTS_CONTAINER.name, folders: [], name: `${id}.json` };
  const lead = id.startsWith('/') ? '/' : '';
  const segs = (lead ? id.slice(1) : id).split('/');
  if (segs.length === 1) return { containerId: TOP_CONTAINER.id, containerName: TOP_CONTAINER.name, folders: [], name: `${segs[0]}.json` };
  const folders: Place['folders'] = [];
  let prefix = lead + segs[0]!;
  for (const s of segs.slice(1, -1)) {
    prefix += '/' + s;
    folders.push({ name: s, prefix });
  }
  return { containerId: containerIdOf(segs[0]!), containerName: segs[0]!, folders, name: `${segs[segs.length - 1]}.json` };
}

/** A folder's item id: "dir:" + its prefix, with more "dir:" in front while a node has that id. */
export function folderIdOf(prefix: string, nodeIds: ReadonlySet<string>): string {
  let id = `dir:${prefix}`;
  while (nodeIds.has(id)) id = `dir:${id}`;
  return id;
}
