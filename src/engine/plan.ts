// The plan: what changed in the service since the last run, as data that can be printed, counted and tested
// before any byte moves (DESIGN §1 step 3).

import type { Entry, EntryKind } from './entry.ts';
import type { Container, Item } from './model.ts';

export type ChangeType = 'new' | 'modified' | 'renamed' | 'moved' | 'restored' | 'metadata' | 'deleted' | 'archived' | 'unarchived' | 'verify';

export interface Change {
  type: ChangeType;
  kind: EntryKind;
  id: string;
  container: string;
  name: string;
  /** The path after the change (for deletions: the path the item keeps). */
  path: string;
  /** For renames and moves: the path before. */
  from?: string;
  /** For moves caused by a folder's or workspace's rename or move: that folder's or workspace's id. */
  via?: string;
  /** True when the change needs the document's content downloaded. */
  download: boolean;
  item?: Item;
  prev?: Entry;
}

export interface Listing {
  containers: Container[];
  items: Map<string, Item[]>;
  /** Containers whose listing failed: nothing in them is read as deleted. */
  failed: Set<string>;
  /** True when the container list is the whole account (no workspace filter): a container missing from it is gone. */
  wholeAccount: boolean;
}

export interface PlanOptions {
  /** Re-download and re-hash every document (full resync): content drift is found and repaired. */
  verifyAll?: boolean;
  /** The listing is an importer's older, partial copy (Capabilities.addOnly): only what the backup lacks is planned. */
  addOnly?: boolean;
}

export interface Plan {
  changes: Change[];
  unchanged: number;
}

/**
 * A version label the stored entry never had (content brought in by an importer from a tool that kept no versions),
 * on an item whose modification time and size are the stored ones: the same content, now with its label. Adopted
 * without a download; any other difference still counts.
 */
export function adoptsVersion(item: Item, prev: Entry): boolean {
  return item.version !== undefined && prev.version === undefined && prev.modifiedAt !== undefined && item.modifiedAt === prev.modifiedAt && (item.size === undefined || item.size === prev.size);
}

function contentStampChanged(item: Item, prev: Entry): boolean {
  if (!prev.sha256) return true; // never downloaded whole
  const stamps: Array<[unknown, unknown]> = [
    [item.modifiedAt, prev.modifiedAt],
    [item.version, prev.version],
  ];
  let compared = 0;
  for (const [now, before] of stamps) {
    if (now === undefined) continue;
    if (now === item.version && adoptsVersion(item, prev)) continue;
    compared++;
    if (now !== before) return true;
  }
  if (item.size !== undefined && prev.size !== undefined) {
    compared++;
    if (item.size !== prev.size) return true;
  }
  // Without any stamp the only way to know is to look at the bytes.
  return compared === 0;
}

function metadataChanged(item: Item, prev: Entry): boolean {
  return (
    item.name !== prev.name ||
    item.modifiedAt !== prev.modifiedAt ||
    item.version !== prev.version ||
    item.modifier?.id !== prev.modifier?.id ||
    (item.kind === 'link' && item.url !== prev.url)
  );
}

/**
 * Diffs the listing against the previous entries. `paths` maps every listed container and item to its path now.
 * `now` stamps deletions and archivings.
 */
export function planChanges(prev: Map<string, Entry>, listing: Listing, paths: Map<string, string>, opts: PlanOptions = {}): Plan {
  const changes: Change[] = [];
  let unchanged = 0;
  const listed = new Set<string>();

  for (const c of listing.containers) {
    listed.add(c.id);
    const before = prev.get(c.id);
    const path = paths.get(c.id)!;
    const base = { kind: 'workspace' as const, id: c.id, container: c.id, name: c.name, path, download: false, prev: before };
    if (before && opts.addOnly) continue;
    if (!before) {
      changes.push({ ...base, type: 'new' });
      if (c.archived) changes.push({ ...base, type: 'archived' });
    } else {
      if (before.deletedAt) changes.push({ ...base, type: 'restored' });
      if (before.path !== path) changes.push({ ...base, type: before.name !== c.name ? 'renamed' : 'moved', from: before.path });
      else if (before.name !== c.name) changes.push({ ...base, type: 'metadata' });
      if (c.archived && !before.archivedAt) changes.push({ ...base, type: 'archived' });
      if (!c.archived && before.archivedAt) changes.push({ ...base, type: 'unarchived' });
    }
  }

  // Which folders (and workspaces) changed path, so descendants' moves can name their cause.
  const movedDirs = new Set<string>(changes.filter((ch) => ch.from !== undefined).map((ch) => ch.id));
  const itemsById = new Map<string, Item>();
  for (const [, items] of listing.items) for (const i of items) itemsById.set(i.id, i);
  const causeOf = (item: Item): string | undefined => {
    for (let p = item.parentId, guard = 0; p !== null && guard < 256; guard++) {
      if (movedDirs.has(p)) return p;
      p = itemsById.get(p)?.parentId ?? null;
    }
    return movedDirs.has(item.containerId) ? item.containerId : undefined;
  };

  // Folders first, top-down by path depth, so movedDirs is known before their contents are planned.
  // Each item's depth computed once, not in every comparison (a path split twice per comparison: 30 MB of garbage per 20,000 documents).
  const depthOf = new Map([...itemsById.values()].map((i) => [i, depth(paths.get(i.id)!)]));
  const ordered = [...itemsById.values()].sort((a, b) => kindRank(a) - kindRank(b) || depthOf.get(a)! - depthOf.get(b)!);
  for (const item of ordered) {
    if (listing.failed.has(item.containerId)) continue;
    listed.add(item.id);
    const before = prev.get(item.id);
    const path = paths.get(item.id)!;
    const base = { kind: item.kind, id: item.id, container: item.containerId, name: item.name, path, item, prev: before };
    if (before && opts.addOnly) {
      unchanged++;
      continue;
    }
    if (!before) {
      changes.push({ ...base, type: 'new', download: item.kind === 'document' });
      continue;
    }
    let changed = false;
    if (before.deletedAt) {
      changes.push({ ...base, type: 'restored', download: false });
      changed = true;
    }
    if (before.path !== path) {
      const ownMove = before.parent !== item.parentId || before.container !== item.containerId;
      const ownRename = before.name !== item.name;
      const via = ownMove || ownRename ? undefined : causeOf(item);
      changes.push({ ...base, type: ownMove ? 'moved' : ownRename ? 'renamed' : 'moved', from: before.path, via, download: false });
      if (item.kind === 'folder') movedDirs.add(item.id);
      changed = true;
    }
    if (item.kind === 'document' && (contentStampChanged(item, before) || opts.verifyAll)) {
      changes.push({ ...base, type: contentStampChanged(item, before) ? 'modified' : 'verify', download: true });
      changed = true;
    } else if (item.kind === 'link' && item.url !== before.url) {
      changes.push({ ...base, type: 'modified', download: false });
      changed = true;
    } else if (!changed && (metadataChanged(item, before) || before.parent !== item.parentId)) {
      changes.push({ ...base, type: 'metadata', download: false });
      changed = true;
    }
    if (!changed) unchanged++;
  }

  // Whatever was there before and is not listed now, in a container that was listed completely, is deleted.
  for (const before of opts.addOnly ? [] : prev.values()) {
    if (listed.has(before.id) || before.deletedAt) continue;
    if (before.kind === 'workspace') {
      if (!listing.wholeAccount) continue;
    } else {
      const containerListed = listing.containers.some((c) => c.id === before.container) && !listing.failed.has(before.container);
      const containerGone = listing.wholeAccount && !listing.containers.some((c) => c.id === before.container);
      if (!containerListed && !containerGone) continue;
    }
    changes.push({ type: 'deleted', kind: before.kind, id: before.id, container: before.container, name: before.name, path: before.path, prev: before, download: false });
  }
  return { changes, unchanged };
}

function kindRank(i: Item): number {
  return i.kind === 'folder' ? 0 : 1;
}

function depth(p: string): number {
  return p.split('/').length;
}

/** Counts of a plan's changes by type, for reports and summaries. Moves caused by a folder's move count once, as that folder's. */
export function countChanges(changes: Change[]): Record<ChangeType, number> {
  const counts: Record<ChangeType, number> = {
    new: 0, modified: 0, renamed: 0, moved: 0, restored: 0, metadata: 0, deleted: 0, archived: 0, unarchived: 0, verify: 0,
  };
  for (const c of changes) if (!c.via) counts[c.type]++;
  return counts;
}
