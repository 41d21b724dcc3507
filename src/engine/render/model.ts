// Turns the backup's entries and history into the site's pages: one plain data object per page, ready for a template.

import { createHash } from 'node:crypto';
import type { Entry } from '../entry.ts';
import { bars, growthChart, type GrowthEvent } from './charts.ts';
import { dateKey, formatBytes, formatDate, formatDay, shortCommit } from './format.ts';
import { cachedEncoder, type ContentLinks } from './links.ts';
import { nodeSources } from './relations.ts';
import { containerWords, sourceLabel, type SourceLabel } from './sources.ts';
import type { NodeRefs, SiteInput, SiteVersion } from './types.ts';

export interface Page {
  /** Path below the site's root, made from ids only. */
  file: string;
  template: string;
  context: Record<string, unknown>;
}

export interface SearchDoc {
  /** The page, relative to the site's root. */
  u: string;
  /** Name. */
  n: string;
  /** Where it is: workspace / folder / … (names, not repo paths). */
  p: string;
  /** d(ocument), f(older), w(orkspace). */
  t: 'd' | 'f' | 'w';
  /** Deleted (documents, folders) or archived (workspaces). */
  x?: 1;
}

interface Node {
  entry: Entry;
  page: string;
  folders: Node[];
  docs: Entry[];
  links: Entry[];
  parent: Node | undefined;
  workspace: Node;
  /** Names from the workspace down to this node. */
  location: string;
  stats: { docs: number; deleted: number; bytes: number; last: string };
  synthetic: boolean;
}

interface DocInfo {
  page: string;
  /** The repo path, URL-encoded. */
  enc: string;
  versions: SiteVersion[];
  contentVersions: number;
  last: string;
  lastBy: string;
}

const pageIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A document page's file: `d/<bucket>/<stem>.html`, the bucket two hex digits of a hash of the stem. 100,000 pages in
 * one folder made creating them the slowest part of a render: two threads creating files in one folder wait for each
 * other's lock on it (measured, 50,000 files from two threads: 3.4 s in one folder, 1.5 s over 256).
 */
export function documentPageFile(stem: string): string {
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < stem.length; i++) h = Math.imul(h ^ stem.charCodeAt(i), 0x01000193);
  return `d/${((h >>> 0) & 0xff).toString(16).padStart(2, '0')}/${stem}.html`;
}

/** Page file stems from ids: the id itself when it is plain and no other source uses it, else a hash of source and id. */
function pageStem(e: { source: string; id: string }, shared: ReadonlySet<string>): string {
  if (pageIdPattern.test(e.id) && !shared.has(e.id)) return e.id;
  return '~' + createHash('sha256').update(`${e.source}\0${e.id}`).digest('hex').slice(0, 20);
}

/** Ids that entries of more than one source use (their pages are named by a hash: pageStem). */
export function sharedIdsOf(entries: Iterable<{ source: string; id: string }>): string[] {
  const sources = new Map<string, string | null>();
  for (const e of entries) {
    const seen = sources.get(e.id);
    if (seen === undefined) sources.set(e.id, e.source);
    else if (seen !== e.source) sources.set(e.id, null);
  }
  return [...sources].filter(([, s]) => s === null).map(([id]) => id);
}

/** Control characters made visible ("line␊break.txt"): a name is shown as it is, never silently altered by HTML. */
export function visible(s: string): string {
  return /[\u0000-\u001f\u007f]/.test(s) ? s.replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0))) : s;
}

function shown(e: Entry): Entry {
  const name = visible(e.name);
  const by = e.modifier && visible(e.modifier.name);
  if (name === e.name && by === e.modifier?.name) return e;
  return { ...e, name, ...(e.modifier ? { modifier: { ...e.modifier, name: by! } } : {}) };
}

/** What every part of the site needs to know of the whole: plain data, sent as it is to the render workers. */
export interface SiteGlobals {
  title: string;
  /** What every page's header calls the front page (the nav link): "Workspaces", "Projects", "Sources". */
  home: string;
  /** The first breadcrumb: "All workspaces". */
  allLabel: string;
  /** The containers' words for a sentence ("workspaces or projects"). */
  words: { one: string; plural: string };
  /** Ids that more than one source uses: their pages are named by a hash of source and id. */
  sharedIds: string[];
  /** ISO. */
  generatedAt: string;
}

/** The globals from the sources that have items (in any order) and the ids they share. */
export function siteGlobals(opts: { title: string; sources: Iterable<string>; sharedIds: Iterable<string>; generatedAt: string }): SiteGlobals {
  const sources = [...new Set(opts.sources)].sort((a, b) => a.localeCompare(b));
  // A container's plural depends on its source only (sourceLabel): the front page is named after the first source's.
  const plurals = new Set(sources.map((s) => sourceLabel(s).plural));
  const home = plurals.size <= 1 ? (sources[0] !== undefined ? sourceLabel(sources[0]).plural : 'Workspaces') : 'Sources';
  return { title: opts.title, home, allLabel: `All ${home.toLowerCase()}`, words: containerWords(sources), sharedIds: [...opts.sharedIds], generatedAt: opts.generatedAt };
}

/**
 * A part of the site that can be made on its own: the entries of one container (a workspace), or of a whole source
 * whose items refer to each other across containers (nodeSources), with the history of their documents.
 */
export interface Shard {
  entries: Entry[];
  /** Document id → its versions, newest first. */
  history: Map<string, SiteVersion[]>;
  refs?: Map<string, NodeRefs>;
}

/** A workspace as the front page lists and counts it. */
export interface WorkspaceRow {
  source: string;
  /** The source's top folder in the repo (its label, for a source the table does not know). */
  root: string;
  name: string;
  id: string;
  page: string;
  docs: number;
  deletedDocs: number;
  bytes: number;
  /** dateKey of its newest change. */
  last: string;
  archivedAt?: string;
  deletedAt?: string;
}

type DocRow = ReturnType<ReturnType<typeof docRows>>;
export type RecentRow = DocRow & { event: string; when: string; whenKey: string };

/** What the front pages (index, recent, deleted) and the search index need of a shard. */
export interface ShardSummary {
  workspaces: WorkspaceRow[];
  /** Growth events of all its documents (the front page's chart). */
  events: GrowthEvent[];
  /** Its newest changes, newest first, at most recentLimit. */
  recent: RecentRow[];
  /** Its deleted documents, with what they are sorted by. */
  deleted: Array<{ key: string; name: string; id: string; row: DocRow }>;
  search: SearchDoc[];
  /** Content versions of its documents. */
  versions: number;
}

export interface ShardModel {
  pageCount: number;
  /** The pages, made one at a time (a page's context need not outlive its rendering). */
  pages(): Iterable<Page>;
  summary: ShardSummary;
}

/** How many changes the "Recently changed" page lists. */
const recentLimit = 500;

/** The rows of documents in tables (folder pages, recent, deleted). */
function docRows(docInfo: Map<Entry, DocInfo>, holder: Map<Entry, Node>, relFile: (enc: string, root: string) => string) {
  return (d: Entry, root: string, withLocation = false) => {
    const info = docInfo.get(d)!;
    const node = holder.get(d);
    return {
      name: d.name,
      href: root + info.page,
      fileHref: relFile(info.enc, root),
      size: d.size ?? -1,
      sizeText: formatBytes(d.size),
      modKey: dateKey(info.last),
      mod: formatDate(info.last),
      by: info.lastBy,
      versions: info.contentVersions,
      deleted: formatDate(d.deletedAt),
      deletedKey: dateKey(d.deletedAt),
      lfs: d.lfs ?? false,
      ...(withLocation && node ? { location: node.location, locationHref: root + node.page } : {}),
    };
  };
}

/** The workspace, folder and document pages of one shard, and its summary for the front pages. */
export function buildShard(shard: Shard, globals: SiteGlobals, links: ContentLinks): ShardModel {
  const entriesIn = shard.entries.map(shown);
  const shared = new Set(globals.sharedIds);
  const name = (e: { source: string; id: string }) => pageStem(e, shared);
  const search: SearchDoc[] = [];
  const encode = cachedEncoder();
  const relFile = (enc: string, root: string) => (links.relative ? root + links.file(enc) : links.file(enc));
  const relFolder = (enc: string, root: string) => (links.relative ? root + links.folder(enc) : links.folder(enc));
  const generatedAt = Date.parse(globals.generatedAt) || Date.now();
  const allLabel = globals.allLabel;

  // The tree: sources → workspaces → folders → documents and links.
  const bySource = new Map<string, Entry[]>();
  for (const e of entriesIn) {
    const list = bySource.get(e.source);
    if (list) list.push(e);
    else bySource.set(e.source, [e]);
  }
  const workspaces: Node[] = [];
  const sourceOf = new Map<Node, string>();
  const docInfo = new Map<Entry, DocInfo>();
  const allDocs: Array<{ entry: Entry; node: Node }> = [];

  for (const [source, entries] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const nodes = new Map<string, Node>();
    const wsNodes = new Map<string, Node>();
    const mk = (entry: Entry, synthetic = false): Node => {
      const n: Node = { entry, page: '', folders: [], docs: [], links: [], parent: undefined, workspace: undefined as unknown as Node, location: '', stats: { docs: 0, deleted: 0, bytes: 0, last: '' }, synthetic };
      return n;
    };
    for (const e of entries) {
      if (e.kind === 'workspace') {
        const n = mk(e);
        n.page = `w/${name(e)}.html`;
        n.workspace = n;
        wsNodes.set(e.id, n);
      }
    }
    const workspaceFor = (container: string, sample: Entry): Node => {
      let ws = wsNodes.get(container);
      if (!ws) {
        // Items whose workspace has no entry of its own still get a home in the site.
        const root = sample.path.split('/')[0] ?? source;
        ws = mk({ source, id: container, kind: 'workspace', name: `${sourceLabel(source, root).one} ${container}`, path: `${root}/${container}`, parent: null, container }, true);
        ws.page = `w/${name(ws.entry)}.html`;
        ws.workspace = ws;
        wsNodes.set(container, ws);
      }
      return ws;
    };
    for (const e of entries) {
      if (e.kind !== 'folder') continue;
      const n = mk(e);
      n.page = `f/${name(e)}.html`;
      nodes.set(e.id, n);
    }
    for (const n of nodes.values()) {
      const ws = workspaceFor(n.entry.container, n.entry);
      n.workspace = ws;
      const parent = n.entry.parent !== null ? nodes.get(n.entry.parent) : undefined;
      n.parent = parent && !createsCycle(n, parent) ? parent : ws;
      n.parent.folders.push(n);
    }
    for (const e of entries) {
      if (e.kind !== 'document' && e.kind !== 'link') continue;
      const ws = workspaceFor(e.container, e);
      const holder = (e.parent !== null ? nodes.get(e.parent) : undefined) ?? ws;
      if (e.kind === 'link') holder.links.push(e);
      else {
        holder.docs.push(e);
        allDocs.push({ entry: e, node: holder });
      }
    }
    for (const ws of wsNodes.values()) {
      workspaces.push(ws);
      sourceOf.set(ws, source);
    }
  }

  // What the containers are called (sourceLabel), per container page.
  const labelOf = (ws: Node) => sourceLabel(sourceOf.get(ws) ?? ws.entry.source, rootName(ws.entry, sourceOf.get(ws) ?? ''));
  const containerOf = (ws: Node) => lowerCase(labelOf(ws));

  for (const { entry } of allDocs) {
    const versions = shard.history.get(entry.id) ?? [];
    const content = versions.filter((v) => v.change !== 'move');
    const latest = content[0];
    docInfo.set(entry, {
      page: documentPageFile(name(entry)),
      enc: encode(entry.path),
      versions,
      contentVersions: content.length,
      last: entry.modifiedAt ?? latest?.date ?? '',
      lastBy: entry.modifier?.name ?? (latest ? visible(latest.author) : ''),
    });
  }

  // Relations between nodes (damas), from what their content says (relations.ts): each node's parent, its children
  // (nodes whose parent it is) and the link nodes with it at one end. Indexes built once, in one pass over the refs.
  const refs = shard.refs ?? new Map<string, NodeRefs>();
  const nodes = new Map<string, Entry>();
  for (const { entry } of allDocs) if (nodeSources.has(entry.source) && !nodes.has(entry.id)) nodes.set(entry.id, entry);
  const childrenOf = new Map<string, string[]>();
  const linksOf = new Map<string, string[]>();
  const add = (index: Map<string, string[]>, key: string, id: string) => {
    const list = index.get(key);
    if (list) list.push(id);
    else index.set(key, [id]);
  };
  for (const [id, r] of refs) {
    if (!nodes.has(id)) continue;
    if (r.parent !== undefined) add(childrenOf, r.parent, id);
    if (r.src !== undefined) add(linksOf, r.src, id);
    if (r.tgt !== undefined && r.tgt !== r.src) add(linksOf, r.tgt, id);
  }
  /** A node named by id: a link to its page when the backup has it, else the id as plain text. */
  const nodeRef = (id: string | undefined, root: string) => {
    const e = id === undefined ? undefined : nodes.get(id);
    return { label: id === undefined ? '' : visible(id), href: e ? root + docInfo.get(e)!.page : '', deleted: formatDate(e?.deletedAt) };
  };
  const byTime = (a: { id: string; r: NodeRefs | undefined }, b: { id: string; r: NodeRefs | undefined }) => {
    const ta = a.r?.time ?? '';
    const tb = b.r?.time ?? '';
    return ta < tb ? -1 : ta > tb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
  const relationsOf = (d: Entry, root: string) => {
    const own = refs.get(d.id);
    if (!own) return { read: false };
    const about = (r: NodeRefs | undefined) => ({ by: r?.author ? visible(r.author) : '', when: formatDate(r?.time), whenKey: dateKey(r?.time), comment: r?.comment ? visible(r.comment) : '' });
    const children = (childrenOf.get(d.id) ?? [])
      .map((id) => ({ id, r: refs.get(id) }))
      .sort(byTime)
      .map(({ id, r }) => ({ node: nodeRef(id, root), kind: r?.src !== undefined || r?.tgt !== undefined ? 'link' : r?.version !== undefined ? `version ${r.version}` : r?.comment !== undefined ? 'comment' : 'node', ...about(r) }));
    const links = (linksOf.get(d.id) ?? [])
      .map((id) => ({ id, r: refs.get(id) }))
      .sort(byTime)
      .map(({ id, r }) => {
        const outgoing = r?.src === d.id;
        return { direction: outgoing ? 'to' : 'from', other: nodeRef(outgoing ? r?.tgt : r?.src, root), link: nodeRef(id, root), ...about(r) };
      });
    const isLink = own.src !== undefined || own.tgt !== undefined;
    return {
      read: true,
      parent: own.parent !== undefined ? nodeRef(own.parent, root) : undefined,
      ends: isLink ? { from: nodeRef(own.src, root), to: nodeRef(own.tgt, root) } : undefined,
      children,
      links,
    };
  };

  // Locations and totals, from each workspace down.
  const visit = (n: Node, location: string) => {
    n.location = location;
    n.folders.sort((a, b) => byName(a.entry, b.entry));
    n.docs.sort(byName);
    n.links.sort(byName);
    const s = n.stats;
    for (const d of n.docs) {
      const info = docInfo.get(d)!;
      if (d.deletedAt) s.deleted++;
      else {
        s.docs++;
        s.bytes += d.size ?? 0;
      }
      const k = dateKey(info.last);
      if (k > s.last) s.last = k;
    }
    for (const f of n.folders) {
      visit(f, `${location} / ${f.entry.name}`);
      s.docs += f.stats.docs;
      s.deleted += f.stats.deleted;
      s.bytes += f.stats.bytes;
      if (f.stats.last > s.last) s.last = f.stats.last;
    }
  };
  for (const ws of workspaces) visit(ws, ws.entry.name);

  const crumbs = (n: Node | undefined, root: string): Array<{ label: string; href?: string }> => {
    const chain: Node[] = [];
    for (let c = n; c; c = c.parent) chain.unshift(c);
    const source = n ? sourceOf.get(n.workspace) ?? '' : '';
    return [
      { label: allLabel, href: `${root}index.html` },
      ...(source ? [{ label: labelOf(n!.workspace).name }] : []),
      ...chain.map((c) => ({ label: c.entry.name, href: `${root}${c.page}` })),
    ];
  };

  const allDocsHolder = new Map(allDocs.map(({ entry, node }) => [entry, node]));
  const docRow = docRows(docInfo, allDocsHolder, relFile);
  const folderRow = (f: Node, root: string) => ({
    name: f.entry.name,
    href: root + f.page,
    docs: f.stats.docs,
    deletedDocs: f.stats.deleted,
    bytes: f.stats.bytes,
    sizeText: formatBytes(f.stats.bytes),
    lastKey: f.stats.last,
    last: formatDate(f.stats.last),
    deleted: formatDate(f.entry.deletedAt),
  });
  const linkRow = (l: Entry) => ({ name: l.name, url: l.url ?? '', deleted: formatDate(l.deletedAt), modified: formatDate(l.modifiedAt) });

  // Growth over time, from history: every content version changes the bytes, a first version adds a document.
  const eventsOf = new Map<Node, GrowthEvent[]>();
  for (const { entry, node } of allDocs) {
    const info = docInfo.get(entry)!;
    const list = eventsOf.get(node.workspace) ?? [];
    eventsOf.set(node.workspace, list);
    const content = info.versions.filter((v) => v.change !== 'move');
    let size = 0;
    if (content.length === 0) {
      const t = Date.parse(entry.modifiedAt ?? '');
      if (Number.isFinite(t)) {
        size = entry.size ?? 0;
        list.push({ t, docs: 1, bytes: size });
      }
    } else {
      for (let k = content.length - 1; k >= 0; k--) {
        const v = content[k]!;
        const t = Date.parse(v.date);
        if (!Number.isFinite(t)) continue;
        const s = v.size ?? (k === 0 ? entry.size : undefined) ?? size;
        list.push({ t, docs: k === content.length - 1 ? 1 : 0, bytes: s - size });
        size = s;
      }
    }
    const del = Date.parse(entry.deletedAt ?? '');
    if (Number.isFinite(del) && list.length > 0) list.push({ t: del, docs: -1, bytes: -size });
  }

  // Workspace and folder pages.
  const folderPage = (n: Node): Page => {
    const root = '../';
    const ws = n.workspace;
    const isWs = n === ws;
    const context: Record<string, unknown> = {
      root,
      pageTitle: n.entry.name,
      crumbs: crumbs(n, root),
      kind: isWs ? 'workspace' : 'folder',
      node: {
        name: n.entry.name,
        id: n.entry.id,
        source: sourceOf.get(ws) ?? '',
        path: n.synthetic ? '' : n.entry.path,
        deleted: formatDate(n.entry.deletedAt),
        archived: formatDate(ws.entry.archivedAt),
        docs: n.stats.docs,
        deletedDocs: n.stats.deleted,
        sizeText: formatBytes(n.stats.bytes),
        last: formatDate(n.stats.last),
      },
      workspace: { name: ws.entry.name, href: root + ws.page, archived: formatDate(ws.entry.archivedAt) },
      container: containerOf(ws),
      repoHref: n.synthetic ? '' : relFolder(encode(n.entry.path), root),
      folders: n.folders.map((f) => folderRow(f, root)),
      docs: n.docs.map((d) => docRow(d, root)),
      links: n.links.map(linkRow),
    };
    if (isWs) context.growth = growthChart(eventsOf.get(ws) ?? [], generatedAt);
    return { file: n.page, template: 'folder.njk', context };
  };
  const folders: Node[] = [];
  const collect = (n: Node) => {
    folders.push(n);
    const ws = n.workspace;
    const isWs = n === ws;
    search.push({ u: n.page, n: n.entry.name, p: isWs ? labelOf(ws).name : n.parent!.location, t: isWs ? 'w' : 'f', ...((isWs ? ws.entry.archivedAt : n.entry.deletedAt) ? { x: 1 as const } : {}) });
    for (const f of n.folders) collect(f);
  };
  for (const ws of workspaces) collect(ws);

  // Document pages.
  const documentPage = (d: Entry, node: Node): Page => {
    const root = '../../';
    const info = docInfo.get(d)!;
    const ws = node.workspace;
    let n = 0;
    const total = info.contentVersions;
    const versions = info.versions.map((v) => {
      const path = v.path ?? d.path;
      const isContent = v.change !== 'move';
      const href = links.version(v.commit, path === d.path ? info.enc : encode(path));
      const arg = `${v.commit.slice(0, 12)}:${path}`;
      // Without the blob (a blobless clone), the newest content is the one the manifest describes.
      const size = v.size ?? (isContent && n === 0 ? d.size : undefined);
      return {
        n: isContent ? total - n++ : '',
        change: isContent ? 'content' : 'moved',
        date: formatDate(v.date),
        dateKey: dateKey(v.date),
        author: visible(v.author),
        size: size ?? -1,
        sizeText: formatBytes(size),
        commit: v.commit,
        commitShort: shortCommit(v.commit),
        /** Set when the document had another path in this version. */
        oldPath: path !== d.path ? path : '',
        href: href ?? '',
        cmd: href ? '' : `git show ${shellQuote(arg)}${d.lfs ? ' | git lfs smudge' : ''}`,
      };
    });
    // Shown newest first by date; numbered in the order the backup recorded the contents.
    versions.sort((a, b) => newestFirst(a.dateKey, b.dateKey));
    return {
      file: info.page,
      template: 'document.njk',
      context: {
        root,
        pageTitle: d.name,
        crumbs: [...crumbs(node, root), { label: d.name }],
        doc: {
          name: d.name,
          id: d.id,
          source: d.source,
          path: d.path,
          size: formatBytes(d.size),
          sizeBytes: d.size ?? null,
          modified: formatDate(info.last),
          by: info.lastBy,
          byEmail: d.modifier?.email ?? '',
          serviceVersion: d.version ?? '',
          // A version number counts versions; a content hash (ProSonata records) does not.
          serviceVersionCount: d.version && /^\d+$/.test(d.version) ? Number(d.version) : 0,
          sourceName: d.path.split('/')[0] ?? d.source,
          sha256: d.sha256 ?? '',
          lfs: d.lfs ?? false,
          deleted: formatDate(d.deletedAt),
          versionsKept: total,
        },
        location: node.location,
        locationHref: root + node.page,
        workspace: { name: ws.entry.name, href: root + ws.page, archived: formatDate(ws.entry.archivedAt) },
        container: containerOf(ws),
        relations: nodeSources.has(d.source) ? relationsOf(d, root) : undefined,
        fileHref: relFile(info.enc, root),
        historyHref: links.history(info.enc) ?? '',
        historyCmd: links.history(info.enc) ? '' : `git log --follow --format='%h %ad %an: %s' --date=short -- ${shellQuote(d.path)}`,
        versions,
      },
    };
  };
  for (const { entry: d, node } of allDocs) search.push({ u: docInfo.get(d)!.page, n: d.name, p: node.location, t: 'd', ...(d.deletedAt ? { x: 1 as const } : {}) });


  // The front pages' share: workspace rows, growth events, newest changes, deletions, search entries.
  const events: GrowthEvent[] = [];
  for (const list of eventsOf.values()) for (const e of list) events.push(e);
  const recent = allDocs
    .map(({ entry }) => {
      const info = docInfo.get(entry)!;
      const changed = dateKey(info.last);
      const deleted = dateKey(entry.deletedAt);
      const event = deleted && deleted >= changed ? 'deleted' : info.contentVersions > 1 ? 'changed' : 'added';
      return { entry, key: event === 'deleted' ? deleted : changed, event };
    })
    .filter((r) => r.key)
    .sort((a, b) => newestFirst(a.key, b.key))
    .slice(0, recentLimit)
    .map((r) => ({ ...docRow(r.entry, '', true), event: r.event, when: formatDate(r.key), whenKey: r.key }));
  const deleted = allDocs.filter(({ entry }) => entry.deletedAt).map(({ entry }) => ({ key: dateKey(entry.deletedAt), name: entry.name, id: entry.id, row: docRow(entry, '', true) }));
  const summary: ShardSummary = {
    workspaces: workspaces.map((ws) => ({
      source: sourceOf.get(ws)!,
      root: rootName(ws.entry, sourceOf.get(ws)!),
      name: ws.entry.name,
      id: ws.entry.id,
      page: ws.page,
      docs: ws.stats.docs,
      deletedDocs: ws.stats.deleted,
      bytes: ws.stats.bytes,
      last: ws.stats.last,
      ...(ws.entry.archivedAt ? { archivedAt: ws.entry.archivedAt } : {}),
      ...(ws.entry.deletedAt ? { deletedAt: ws.entry.deletedAt } : {}),
    })),
    events,
    recent,
    deleted,
    search,
    versions: allDocs.reduce((s, { entry }) => s + docInfo.get(entry)!.contentVersions, 0),
  };
  return {
    pageCount: folders.length + allDocs.length,
    summary,
    *pages() {
      for (const n of folders) yield folderPage(n);
      for (const { entry, node } of allDocs) yield documentPage(entry, node);
    },
  };
}

/**
 * The front pages (index, recently changed, deleted) and the search entries, gathered from the shards' summaries as
 * they come: what is kept of a shard is its workspaces' rows, growth events, deletions and search entries, and of its
 * newest changes only those among the site's newest recentLimit.
 */
export class SiteFront {
  #globals: SiteGlobals;
  #workspaces: WorkspaceRow[] = [];
  /** Growth events as numbers, three per event (t, docs, bytes): no object per event for the collector to trace. */
  #events = new Float64Array(3 * 1024);
  #eventCount = 0;
  #recent: RecentRow[] = [];
  #deleted: ShardSummary['deleted'] = [];
  #versions = 0;
  /** Search rows as JSON text, one piece per shard ([page without .html, name, location number, deleted]). */
  #searchRows: string[] = [];
  #locations = new Map<string, number>();

  constructor(globals: SiteGlobals) {
    this.#globals = globals;
  }

  add(s: ShardSummary): void {
    for (const w of s.workspaces) this.#workspaces.push(w);
    for (const e of s.events) this.#addEvent(e);
    for (const d of s.deleted) this.#deleted.push(d);
    const rows: string[] = [];
    for (const d of s.search) {
      let loc = this.#locations.get(d.p);
      if (loc === undefined) this.#locations.set(d.p, (loc = this.#locations.size));
      rows.push(JSON.stringify([d.u.replace(/\.html$/, ''), d.n, loc, d.x ?? 0]));
    }
    if (rows.length > 0) this.#searchRows.push(rows.join(','));
    this.#versions += s.versions;
    if (s.recent.length > 0) this.#recent = [...this.#recent, ...s.recent].sort((a, b) => newestFirst(a.whenKey, b.whenKey)).slice(0, recentLimit);
  }

  /** The search data: every location once, and the rows as the text of a JSON array. */
  searchData(): { locations: string[]; rows: string } {
    return { locations: [...this.#locations.keys()], rows: `[${this.#searchRows.join(',')}]` };
  }

  #addEvent(e: GrowthEvent): void {
    if (3 * (this.#eventCount + 1) > this.#events.length) {
      const bigger = new Float64Array(this.#events.length * 2);
      bigger.set(this.#events);
      this.#events = bigger;
    }
    const at = 3 * this.#eventCount++;
    this.#events[at] = e.t;
    this.#events[at + 1] = e.docs;
    this.#events[at + 2] = e.bytes;
  }

  #allEvents(): GrowthEvent[] {
    const out: GrowthEvent[] = [];
    for (let i = 0; i < this.#eventCount; i++) out.push({ t: this.#events[3 * i]!, docs: this.#events[3 * i + 1]!, bytes: this.#events[3 * i + 2]! });
    return out;
  }

  pages(runs: Array<Record<string, unknown>>): Page[] {
    const g = this.#globals;
    const allLabel = g.allLabel;
    const workspaces = this.#workspaces;
    const wsRow = (ws: WorkspaceRow) => ({
      name: ws.name,
      href: ws.page,
      docs: ws.docs,
      deletedDocs: ws.deletedDocs,
      bytes: ws.bytes,
      sizeText: formatBytes(ws.bytes),
      lastKey: ws.last,
      last: formatDate(ws.last),
      archived: formatDate(ws.archivedAt),
      archivedKey: dateKey(ws.archivedAt),
      deleted: formatDate(ws.deletedAt),
    });
    const sourceNames = [...new Set(workspaces.map((w) => w.source))].sort((a, b) => a.localeCompare(b));
    const sources = sourceNames.map((source) => {
      const list = workspaces.filter((w) => w.source === source).sort(byName);
      const l = sourceLabel(source, list[0]?.root);
      return {
        name: l.name,
        containers: { plural: l.plural, one: l.one },
        active: list.filter((w) => !w.archivedAt).map(wsRow),
        archived: list.filter((w) => w.archivedAt).map(wsRow),
      };
    });
    const ranked = [...workspaces].sort((a, b) => b.bytes - a.bytes || byName(a, b)).slice(0, 20);
    // "3 workspaces and 12 top folders": each kind of container counted under its own name.
    const counted = new Map<string, { n: number; one: string; plural: string }>();
    for (const w of workspaces) {
      const c = lowerCase(sourceLabel(w.source, w.root));
      const row = counted.get(c.plural) ?? { n: 0, ...c };
      row.n++;
      counted.set(c.plural, row);
    }
    const totals = {
      containers: [...counted.values()].map((c) => ({ n: c.n, word: c.n === 1 ? c.one : c.plural })),
      words: g.words,
      workspaces: workspaces.length,
      archived: workspaces.filter((w) => w.archivedAt).length,
      docs: workspaces.reduce((s, w) => s + w.docs, 0),
      deletedDocs: workspaces.reduce((s, w) => s + w.deletedDocs, 0),
      sizeText: formatBytes(workspaces.reduce((s, w) => s + w.bytes, 0)),
      versions: this.#versions,
    };
    const generatedAt = Date.parse(g.generatedAt) || Date.now();
    const index: Page = {
      file: 'index.html',
      template: 'index.njk',
      context: {
        root: '',
        pageTitle: g.title,
        nav: 'home',
        crumbs: [],
        sources,
        totals,
        sizeBars: bars(ranked.map((w) => ({ label: w.name, href: w.page, value: w.bytes, text: formatBytes(w.bytes), muted: !!w.archivedAt }))),
        countBars: bars([...ranked].sort((a, b) => b.docs - a.docs || byName(a, b)).map((w) => ({ label: w.name, href: w.page, value: w.docs, text: String(w.docs), muted: !!w.archivedAt }))),
        moreWorkspaces: Math.max(0, workspaces.length - ranked.length),
        growth: growthChart(this.#allEvents(), generatedAt),
        runs: runRows(runs),
        generatedAt: formatDate(g.generatedAt),
      },
    };
    const recent: Page = {
      file: 'recent.html',
      template: 'recent.njk',
      context: {
        root: '',
        pageTitle: 'Recently changed',
        nav: 'recent',
        crumbs: [{ label: allLabel, href: 'index.html' }, { label: 'Recently changed' }],
        rows: this.#recent,
        limit: recentLimit,
      },
    };
    const deletedRows = [...this.#deleted].sort((a, b) => newestFirst(a.key, b.key) || byName(a, b)).map((d) => d.row);
    const deleted: Page = {
      file: 'deleted.html',
      template: 'deleted.njk',
      context: {
        root: '',
        pageTitle: 'Deleted documents',
        nav: 'deleted',
        crumbs: [{ label: allLabel, href: 'index.html' }, { label: 'Deleted documents' }],
        rows: deletedRows,
      },
    };
    return [index, recent, deleted];
  }
}

function createsCycle(child: Node, parent: Node): boolean {
  // A manifest whose folders hold each other must not make the site loop: such a folder goes to the workspace root.
  const seen = new Set<Node>([child]);
  for (let p: Node | undefined = parent; p; p = p.parent) {
    if (seen.has(p)) return true;
    seen.add(p);
  }
  return false;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function byName(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Sorts date keys (dateKey) newest first. */
function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/** A source's words for one container and several, in lower case for a sentence ("workspace", "workspaces"). */
function lowerCase(l: SourceLabel): { one: string; plural: string } {
  return { one: l.one.toLowerCase(), plural: l.plural.toLowerCase() };
}

/** The top folder of a source in the repo ("Projectplace"), as the manifest's paths show it. */
function rootName(ws: Entry, source: string): string {
  return ws.path.split('/')[0] || source;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function runRows(runs: Array<Record<string, unknown>>) {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return runs
    .slice(-10)
    .reverse()
    .map((r) => {
      const counts = r.counts && typeof r.counts === 'object' ? (r.counts as Record<string, unknown>) : {};
      const failures = Array.isArray(r.failures) ? r.failures.length : 0;
      return {
        source: typeof r.source === 'string' ? r.source : '',
        started: formatDate(typeof r.startedAt === 'string' ? r.startedAt : undefined),
        day: formatDay(typeof r.startedAt === 'string' ? r.startedAt : undefined),
        complete: r.complete === true,
        added: num(counts.new),
        modified: num(counts.modified),
        deleted: num(counts.deleted),
        failed: Math.max(num(counts.failed), failures),
        skipped: num(counts.skipped),
        downloaded: formatBytes(num(r.bytesDownloaded)),
      };
    });
}
