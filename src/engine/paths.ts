// Where each item lives in the backup repo: readable, safe, unique paths from the service's names (DESIGN §3).

import { posix } from 'node:path';
import { allocateSegments, isSafeSegment, joinSafe, safeSegment, type NameEntry } from '../lib/safe-path.ts';
import type { Entry } from './entry.ts';
import type { Container, Item } from './model.ts';

export interface PathInput {
  /** Top folder of this source in the repo ("Projectplace"). */
  root: string;
  /** Containers listed now. */
  containers: Container[];
  /** Items listed now, by container id. */
  items: Map<string, Item[]>;
  /** Entries whose paths are frozen: deleted items and workspaces no longer listed keep the path they had. */
  frozen: Entry[];
  /** Last run's entries: an item whose name and folder did not change keeps its path, even if a rival left. */
  previous?: Map<string, Entry>;
}

/** The file name a link is stored under: an Internet shortcut any desktop opens. */
export function linkFileName(name: string): string {
  return `${name}.url`;
}

/** Contents of a link's file. */
export function linkFileContent(url: string | undefined): string {
  return `[InternetShortcut]\r\nURL=${(url ?? '').replace(/[\r\n]/g, '')}\r\n`;
}

/**
 * Maps every listed container and item to a path. Deterministic for the same input; unique within each folder
 * under case folding and Unicode normalisation, and never equal to a frozen path in the same folder.
 */
export function computePaths(input: PathInput): Map<string, string> {
  const paths = new Map<string, string>();
  const takenByDir = new Map<string, string[]>();
  for (const e of input.frozen) {
    const dir = posix.dirname(e.path);
    const list = takenByDir.get(dir) ?? [];
    list.push(posix.basename(e.path));
    takenByDir.set(dir, list);
  }
  const rootSegment = safeSegment(input.root);
  const wsSegments = new Map<string, string>();
  const freshWs: NameEntry[] = [];
  for (const c of input.containers) {
    const before = input.previous?.get(c.id);
    if (before && !before.deletedAt && before.name === c.name && isSafeSegment(posix.basename(before.path))) wsSegments.set(c.id, posix.basename(before.path));
    else freshWs.push({ id: c.id, name: c.name, kind: 'folder' });
  }
  for (const [id, seg] of allocateSegments(freshWs, [...(takenByDir.get(rootSegment) ?? []), ...wsSegments.values()])) wsSegments.set(id, seg);
  for (const c of input.containers) {
    const wsPath = joinSafe(rootSegment, wsSegments.get(c.id)!);
    paths.set(c.id, wsPath);
    const items = input.items.get(c.id) ?? [];
    const children = new Map<string | null, Item[]>();
    const folderIds = new Set(items.filter((i) => i.kind === 'folder').map((i) => i.id));
    for (const item of items) {
      // An item whose folder is not in the listing is placed at the workspace root rather than lost.
      const parent = item.parentId !== null && folderIds.has(item.parentId) ? item.parentId : null;
      const list = children.get(parent) ?? [];
      list.push(item);
      children.set(parent, list);
    }
    const placed = new Set<string>();
    const place = (parent: string | null, dir: string, depth: number) => {
      const list = children.get(parent) ?? [];
      const segments = new Map<string, string>();
      const fresh: NameEntry[] = [];
      const keptSegments: string[] = [];
      for (const i of list) {
        const before = input.previous?.get(i.id);
        const keptSegment = before && !before.deletedAt && before.name === i.name && posix.dirname(before.path) === dir ? posix.basename(before.path) : undefined;
        if (keptSegment !== undefined && isSafeSegment(keptSegment)) {
          segments.set(i.id, keptSegment);
          keptSegments.push(keptSegment);
        } else {
          fresh.push({ id: i.id, kind: i.kind, name: i.kind === 'link' ? linkFileName(i.name) : i.name });
        }
      }
      for (const [id, seg] of allocateSegments(fresh, [...(takenByDir.get(dir) ?? []), ...keptSegments])) segments.set(id, seg);
      for (const item of list) {
        if (placed.has(item.id)) continue; // a cycle in a hostile listing: each item once
        placed.add(item.id);
        const p = joinSafe(...dir.split('/'), segments.get(item.id)!);
        paths.set(item.id, p);
        if (item.kind === 'folder' && depth < 256) place(item.id, p, depth + 1);
      }
    };
    place(null, wsPath, 0);
  }
  return paths;
}
