// Reads what the site needs from the backup repo at one commit: manifests, run reports, and every document's history in one git log pass.

import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { withBulkHeap } from '../../lib/tuned-heap.ts';
import { entryFromLine, type Entry } from '../entry.ts';
import { manifestRoot } from '../manifest.ts';
import type { Git } from '../store/git.ts';
import { eachBlob, readBlobs } from './blobs.ts';
import { nodeSources, readNodeRefs } from './relations.ts';
import { SiteStore } from './shards.ts';
import { siteTitle } from './sources.ts';
import type { NodeRefs, SiteInput, SiteVersion } from './types.ts';

const runsRoot = '.workspace-backup/runs';

export function loadSiteInput(git: Git, ref: string, opts: SiteOptions): Promise<SiteInput> {
  // The heap grows to hundreds of MB here, nearly all of it live: see bulkHeap.
  return withBulkHeap(async () => {
    const entries: Entry[] = [];
    const history = new Map<string, SiteVersion[]>();
    const refs = new Map<string, NodeRefs>();
    const site = await readSite(git, ref, opts, { entry: (e) => entries.push(e), versions: (id, v) => history.set(id, v), refs: (id, r) => refs.set(id, r), newestSizes: true });
    return { ...site, entries, ...(refs.size > 0 ? { refs } : {}), history, links: opts.links };
  });
}

/**
 * The site's data read into a scratch SQLite file (shards.ts SiteStore), for a render that holds one shard at a time:
 * the entries go there as each manifest is read, the versions once the history is read. Close it when done.
 */
export async function loadSiteStore(git: Git, ref: string, opts: SiteOptions): Promise<SiteStore> {
  const store = new SiteStore(opts.links);
  try {
    // Without bulkHeap (unlike loadSiteInput): what is loaded here goes to the store, and the heap's growth mostly
    // collects garbage; with 20-50 % growth the render's peak RSS was 295-385 MB against 275-283 MB, in the same time.
    const site = await readSite(git, ref, opts, { entry: (e, line) => store.addEntry(e, line), versions: (id, v) => store.addVersions(id, v), refs: (id, r) => store.addRefs(id, r), newestSizes: false });
    store.seal();
    store.title = site.title;
    store.runs = site.runs;
    store.generatedAt = site.generatedAt;
    return store;
  } catch (err) {
    store.close();
    throw err;
  }
}

export interface SiteOptions {
  /** The site's title; by default from the sources ("Projectplace backup"). */
  title?: string;
  links: SiteInput['links'];
  /** ISO: when the site says it was made (and where its growth charts end); by default now. */
  generatedAt?: string;
}

/** Where readSite puts what it reads. */
interface SiteSink {
  /** An entry, and the manifest line it was read from. */
  entry(e: Entry, line: string): void;
  /** A document's versions, newest first. */
  versions(id: string, versions: SiteVersion[]): void;
  refs(id: string, refs: NodeRefs): void;
  /** Whether each document's newest content version needs its size from git (else the manifest's is used). */
  newestSizes: boolean;
}

async function readSite(git: Git, ref: string, opts: Omit<SiteOptions, 'links'>, sink: SiteSink): Promise<Pick<SiteInput, 'title' | 'runs' | 'generatedAt'>> {
  const commit = await git.resolve(ref);
  if (!commit) throw new Error(`${ref} is not a commit in ${git.dir}: nothing to render (has a backup run yet?)`);
  // The history is git's work (tree diffs, in processes of their own): it runs while the manifests are read here.
  const records = readCommitRecords(git, commit);
  records.catch(() => {}); // awaited below; a failure before then must not be an unhandled rejection
  const files = (await git.run(['ls-tree', '-r', '-z', '--name-only', commit, '--', '.workspace-backup/'])).stdout.split('\0').filter(Boolean);
  const manifestFiles = files.filter((f) => f.startsWith(manifestRoot + '/') && f.endsWith('.jsonl') && f.split('/').length === 4);
  const runFiles = files.filter((f) => f.startsWith(runsRoot + '/') && f.endsWith('.json')).sort();

  // The manifests, one at a time: only what the history and the relations need is kept.
  const sources = new Set<string>();
  const lfsIds = new Set<string>();
  // Items added in bulk (records of a database, one commit per container) are found by the path they were added at.
  const idAtPath = new Map<string, string>();
  const nodeEntries: Entry[] = [];
  await eachBlob(git, manifestFiles.map((f) => `${commit}:${f}`), (name, data) => {
    const file = name.slice(commit.length + 1);
    const source = file.split('/')[2]!;
    data.toString('utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const e = entryFromLine(line, source, `${file}:${i + 1}`);
      sink.entry(e, line);
      sources.add(e.source);
      if (e.lfs) lfsIds.add(e.id);
      if (e.kind === 'document') {
        idAtPath.set(e.path, e.id);
        if (nodeSources.has(e.source)) nodeEntries.push(e);
      }
    });
  });
  const runs: Array<Record<string, unknown>> = [];
  const blobs = await readBlobs(git, runFiles.map((f) => `${commit}:${f}`));
  for (const file of runFiles) {
    const buf = blobs.get(`${commit}:${file}`);
    if (!buf) continue;
    try {
      const v: unknown = JSON.parse(buf.toString('utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) runs.push({ file, ...(v as Record<string, unknown>) });
    } catch {
      // A damaged report is left out of the site, not a reason to fail the render.
    }
  }

  const history = await historyOf(git, await records, idAtPath);
  idAtPath.clear();
  await addSizes(git, history, lfsIds, sink.newestSizes);
  for (const [id, versions] of history) sink.versions(id, versions.map(({ blob: _blob, ...v }) => v));
  history.clear();
  for (const [id, r] of await readNodeRefs(git, commit, nodeEntries)) sink.refs(id, r);
  return { title: opts.title ?? siteTitle(sources), runs, generatedAt: opts.generatedAt ?? new Date().toISOString() };
}

interface RawVersion extends SiteVersion {
  blob?: string;
}

/**
 * Every commit reachable from `commit` that carries a Document-Id trailer, grouped by document, newest first; with
 * `idAtPath`, also each file a bulk commit (an Items-Added trailer) added, as a version of the item now at that path.
 * Rename detection is off, so git never reads blob content (a blobless clone is enough).
 */
export async function readHistory(git: Git, commit: string, idAtPath?: Map<string, string>): Promise<Map<string, RawVersion[]>> {
  return historyOf(git, await readCommitRecords(git, commit), idAtPath);
}

/**
 * The commits with a Document-Id or Items-Added trailer, newest first (rev-list order), each with its raw diff; or,
 * for a commit on a lane (a side branch of a merge with a Documents-Added trailer, sync.ts), the files its merge
 * added, from which historyOf picks the document's own.
 *
 * Tree diffs are git's work at about 0.1 ms a commit: 12.5 s for the 105,000 commits of a 100,000-document initial
 * backup. A lane holds only new documents, one commit each, so the merge's one diff against its first parent names
 * every lane commit's path and blob: the lane commits need only their headers (`git log --no-walk`, 2 s for all).
 * The diffs still read are split over one `git diff-tree --stdin` process per core.
 */
async function readCommitRecords(git: Git, commit: string): Promise<CommitRecord[]> {
  const [all, firstParent] = await Promise.all([
    git.run(['rev-list', '--parents', commit, '--']).then((r) => r.stdout.split('\n').filter(Boolean).map((l) => l.split(' '))),
    git.run(['rev-list', '--first-parent', commit, '--']).then((r) => new Set(r.stdout.split('\n').filter(Boolean))),
  ]);
  const parents = new Map(all.map(([c, ...ps]) => [c!, ps]));
  // Which merge each side-branch commit came in by: down the second parent's first parents to the main line.
  const laneOf = new Map<string, string>();
  const merges: string[] = [];
  for (const [c, ...ps] of all) {
    if (!firstParent.has(c!) || ps.length < 2) continue;
    merges.push(c!);
    // A lane's segments are the merge's second, third… parents (sync.ts laneSegment).
    for (const tip of ps.slice(1)) {
      const side: string[] = [];
      let linear = true;
      for (let x: string | undefined = tip; x !== undefined && !firstParent.has(x) && !laneOf.has(x); x = parents.get(x)?.[0]) {
        if ((parents.get(x)?.length ?? 0) > 1) linear = false;
        side.push(x);
      }
      if (linear) for (const x of side) laneOf.set(x, c!);
    }
  }
  const mergeAdds = new Map<string, Map<string, string>>();
  const mergeDiffs = merges.length > 0 ? diffRecords(git, merges.map((m) => `${m} ${parents.get(m)![0]}`), { keep: (r) => r.lane }) : Promise.resolve([]);
  const plain = all.filter(([c, ...ps]) => ps.length < 2 && !laneOf.has(c!)).map(([c]) => c!);
  const laneCommits = all.filter(([c, ...ps]) => ps.length < 2 && laneOf.has(c!)).map(([c]) => c!);
  const [diffed, headers, mergeRecords] = await Promise.all([diffSplit(git, plain), laneCommits.length > 0 ? headerRecords(git, laneCommits) : Promise.resolve([]), mergeDiffs]);
  for (const m of mergeRecords) mergeAdds.set(m.hash, new Map(rawAdds(m.raw ?? '').map((a) => [a.path, a.blob])));
  const byHash = new Map<string, CommitRecord>();
  for (const r of diffed) byHash.set(r.hash, r);
  const seen = new Map<string, Set<string>>(); // per merge: the documents its lane commits name
  for (const r of headers) {
    const merge = laneOf.get(r.hash)!;
    const adds = mergeAdds.get(merge);
    if (adds) {
      let ids = seen.get(merge);
      if (!ids) seen.set(merge, (ids = new Set()));
      // A lane names each document once; anything else is read from its own diff.
      const once = r.docIds.length === 1 && !ids.has(r.docIds[0]!);
      for (const id of r.docIds) ids.add(id);
      if (once) r.adds = adds;
    }
    byHash.set(r.hash, r);
  }
  const out: CommitRecord[] = [];
  for (const [c] of all) {
    const r = byHash.get(c!);
    if (r) out.push(r);
  }
  return out;
}

/** Versions by document from the records; lane commits whose document is not where its merge added it are diffed. */
async function historyOf(git: Git, records: CommitRecord[], idAtPath?: Map<string, string>): Promise<Map<string, RawVersion[]>> {
  const pathOfId = new Map<string, string>();
  if (idAtPath) for (const [path, id] of idAtPath) pathOfId.set(id, path);
  const resolved = new Map<CommitRecord, { path: string; blob: string }>();
  const unresolved: CommitRecord[] = [];
  for (const r of records) {
    if (r.raw !== undefined) continue;
    const path = r.adds && pathOfId.get(r.docIds[0]!);
    const blob = path !== undefined ? r.adds!.get(path) : undefined;
    if (path !== undefined && blob !== undefined) resolved.set(r, { path, blob });
    else unresolved.push(r);
  }
  // A document's current path names its lane version only if no other document of the same merge was added there
  // (one moved later onto the path another had been added at): a path a diffed lane commit added is taken from the
  // shortcut's claimants, which are diffed in turn, until no two claim one path.
  for (let batch = unresolved; batch.length > 0; ) {
    const raws = new Map((await diffSplit(git, batch.map((r) => r.hash))).map((r) => [r.hash, r.raw]));
    const added = new Map<Map<string, string>, Set<string>>();
    for (const r of batch) {
      r.raw = raws.get(r.hash) ?? '';
      const path = r.adds && parseRaw(r.raw).path;
      if (path === undefined) continue;
      let paths = added.get(r.adds!);
      if (!paths) added.set(r.adds!, (paths = new Set()));
      paths.add(path);
    }
    batch = [...resolved].filter(([r, v]) => added.get(r.adds!)?.has(v.path)).map(([r]) => r);
    for (const r of batch) resolved.delete(r);
  }
  const history = new Map<string, RawVersion[]>();
  const add = (id: string, v: RawVersion) => {
    const list = history.get(id);
    if (list) list.push(v);
    else history.set(id, [v]);
  };
  for (const r of records) {
    if (r.moved.length > 0) {
      const blobAt = new Map(rawAdds(r.raw ?? '').map((a) => [a.path, a.blob]));
      for (const m of r.moved) {
        const v: RawVersion = { commit: r.hash, date: r.date, author: r.author, change: 'move', path: m.path };
        const blob = blobAt.get(m.path);
        if (blob !== undefined) v.blob = blob;
        add(m.id, v);
      }
    }
    if (r.docIds.length === 0) {
      if (!r.bulk || !idAtPath) continue;
      for (const a of rawAdds(r.raw ?? '')) {
        const id = idAtPath.get(a.path);
        if (id !== undefined) add(id, { commit: r.hash, date: r.date, author: r.author, change: 'content', path: a.path, blob: a.blob });
      }
      continue;
    }
    const version: { path?: string; blob?: string; change: 'content' | 'move' } = resolved.has(r) ? { ...resolved.get(r)!, change: 'content' } : parseRaw(r.raw ?? '');
    for (const id of r.docIds) {
      const v: RawVersion = { commit: r.hash, date: r.date, author: r.author, change: version.change };
      if (version.path !== undefined) v.path = version.path;
      if (version.blob !== undefined) v.blob = version.blob;
      add(id, v);
    }
  }
  return history;
}

/** From this many commits, the raw diffs are read by several git processes. */
const historySplitFrom = 4000;

interface CommitRecord {
  hash: string;
  date: string;
  author: string;
  docIds: string[];
  bulk: boolean;
  /** A merge of a lane (its Documents-Added trailer). */
  lane: boolean;
  /** The raw diff; undefined for a lane commit read without it. */
  raw?: string;
  /** For a lane commit: the files its merge added, path → blob. */
  adds?: Map<string, string>;
  /** Documents a folder's or workspace's move or rename took along (Moved trailers), each with its new path. */
  moved: Moved[];
}

/** A document a folder's or workspace's move or rename took along, and the path it came to. */
export interface Moved {
  id: string;
  path: string;
}

const noneMoved: Moved[] = [];

const keepDocumentCommits = (r: CommitRecord) => r.docIds.length > 0 || r.bulk || r.moved.length > 0;

/** diffRecords over one process per core (from historySplitFrom commits), in the order given. */
async function diffSplit(git: Git, commits: string[]): Promise<CommitRecord[]> {
  const parts = commits.length >= historySplitFrom ? Math.min(availableParallelism(), 4) : 1;
  const size = Math.ceil(commits.length / parts);
  const runs = Array.from({ length: parts }, (_, k) => commits.slice(k * size, (k + 1) * size)).filter((r) => r.length > 0);
  return (await Promise.all(runs.map((run) => diffRecords(git, run, { keep: keepDocumentCommits })))).flat();
}

/** The commits' headers, without diffs (cheap: git reads no tree). */
async function headerRecords(git: Git, commits: string[]): Promise<CommitRecord[]> {
  const records = await readRecords(git, ['log', '--no-walk=unsorted', '--stdin', '--no-color'], commits, keepDocumentCommits);
  for (const r of records) r.raw = undefined;
  return records;
}

/**
 * The commits' headers and raw diffs (each line of `lines` a commit, optionally followed by the parent to diff
 * against), in the order given, those `keep` says.
 */
function diffRecords(git: Git, lines: string[], opts: { keep: (r: CommitRecord) => boolean }): Promise<CommitRecord[]> {
  return readRecords(git, ['diff-tree', '--stdin', '--always', '--root', '-r', '--no-renames', '--raw', '--no-abbrev', '-z', '--no-color'], lines, opts.keep);
}

/** Runs git with a record format (fields separated by a random token no user-given name can contain) and parses it. */
async function readRecords(git: Git, args: string[], lines: string[], keep: (r: CommitRecord) => boolean): Promise<CommitRecord[]> {
  const token = randomBytes(12).toString('hex');
  const rs = `\x1e${token}\x1f`;
  const fs = `\x1d${token}\x1d`;
  // The four trailers in one %(trailers) (git parses the message once, not once per key: 1.5 s against 2.1 s for
  // 95,000 commits), as "Key: value" pairs separated by %x1f.
  const format = [`%x1e${token}%x1f%H`, '%aI', '%an', '%(trailers:key=Document-Id,key=Items-Added,key=Documents-Added,key=Moved,separator=%x1f)', 'END'].join(`%x1d${token}%x1d`);
  const child = git.spawn([...args, `--format=${format}`]);
  const out: CommitRecord[] = [];
  // Each field is decoded from the bytes on its own: a string sliced from a larger one would keep all of it alive.
  const fieldSep = Buffer.from(fs, 'utf8');
  // Hash, date, author and trailers, then the rest (END and the raw diff, which is read whole).
  const headFields = 4;
  const take = (buf: Buffer, start: number, end: number) => {
    const parts: string[] = [];
    for (let at = start; ; ) {
      const next = parts.length < headFields ? buf.indexOf(fieldSep, at) : -1;
      if (next === -1 || next >= end) {
        parts.push(buf.toString('utf8', at, end));
        break;
      }
      parts.push(buf.toString('utf8', at, next));
      at = next + fieldSep.length;
    }
    if (parts.length < headFields + 1) return;
    const [hash, date, author, trailers, rest] = parts as [string, string, string, string, string];
    const t = readTrailers(trailers);
    // Every field in the literal: one shape for all records.
    const r: CommitRecord = { hash, date, author, docIds: t.docIds, bulk: t.bulk, lane: t.lane, raw: rest.replace(/^END/, ''), adds: undefined, moved: t.moved };
    if (keep(r)) out.push(r);
  };
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  child.stdin.on('error', () => {}); // git stopping early is reported by its exit code and stderr below
  child.stdin.end(lines.join('\n') + '\n');
  const separator = Buffer.from(rs, 'utf8');
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const next = pending.indexOf(separator, start + 1);
      if (next === -1) break;
      if (pending.subarray(start, start + separator.length).equals(separator)) take(pending, start + separator.length, next);
      start = next;
    }
    pending = pending.subarray(start);
  }
  if (pending.subarray(0, separator.length).equals(separator)) take(pending, separator.length, pending.length);
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`git ${args[0]} failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8').trim()}`);
  return out;
}

/**
 * The trailers the history needs, from "Key: value" pairs separated by \x1f (keys as the message spells them, which
 * git matched without regard to case): the Document-Id values (each may list several, comma-separated); the
 * documents a folder's or workspace's move took along (`Moved: <id> <path>`, one line each); and whether there is an
 * Items-Added (a bulk commit) or a Documents-Added (a lane's merge).
 */
export function readTrailers(text: string): { docIds: string[]; bulk: boolean; lane: boolean; moved: Moved[] } {
  const docIds: string[] = [];
  let moved = noneMoved;
  let bulk = false;
  let lane = false;
  for (const pair of text.split('\x1f')) {
    const colon = pair.indexOf(':');
    if (colon === -1) continue;
    const key = pair.slice(0, colon).trim().toLowerCase();
    const value = pair.slice(colon + 1).trim();
    if (!value) continue;
    if (key === 'document-id') {
      for (const id of value.split(',')) if (id.trim()) docIds.push(id.trim());
    } else if (key === 'items-added') bulk = true;
    else if (key === 'documents-added') lane = true;
    else if (key === 'moved') {
      // "<id> <path>": the id has no space; the path is the rest of the line.
      const space = value.indexOf(' ');
      const path = space > 0 ? value.slice(space + 1).trim() : '';
      if (!path) continue;
      if (moved === noneMoved) moved = [];
      moved.push({ id: value.slice(0, space), path });
    }
  }
  // A copy of its own size: the pushed-to array has room for 16 more, and there is one per commit.
  return { docIds: docIds.slice(), bulk, lane, moved };
}

/** Files a commit added or changed (outside the tool's own folder), from its raw diff. */
function rawAdds(raw: string): Array<{ path: string; blob: string }> {
  return rawRecords(raw).filter((r) => r.status !== 'D').map(({ path, blob }) => ({ path, blob }));
}

function rawRecords(raw: string): Array<{ path: string; blob: string; from: string; status: string }> {
  // -z raw records: ":<mode> <mode> <src> <dst> <status>\0<path>\0"
  const fields = raw.replace(/^\0?\n?/, '').split('\0');
  const out: Array<{ path: string; blob: string; from: string; status: string }> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(fields[i]!.replace(/^\n/, ''));
    if (!m) continue;
    const path = fields[i + 1]!;
    if (path.startsWith('.workspace-backup/') || path === '.gitattributes') continue;
    out.push({ path, blob: m[2]!, from: m[1]!, status: m[3]! });
  }
  return out;
}

/** The document's side of a commit's raw diff: the path it now has, its blob, and whether only the path changed. */
function parseRaw(raw: string): { path?: string; blob?: string; change: 'content' | 'move' } {
  const adds: Array<{ path: string; blob: string }> = [];
  const deletedBlobs = new Set<string>();
  for (const r of rawRecords(raw)) {
    if (r.status === 'D') deletedBlobs.add(r.from);
    else adds.push({ path: r.path, blob: r.blob });
  }
  const main = adds[0];
  if (!main) return { change: 'content' };
  return { path: main.path, blob: main.blob, change: deletedBlobs.has(main.blob) ? 'move' : 'content' };
}

/** Fills in each version's size from its blob (or the LFS pointer's announced size), without fetching missing blobs. */
async function addSizes(git: Git, history: Map<string, RawVersion[]>, lfsIds: Set<string>, newest: boolean): Promise<void> {
  const wanted = new Set<string>();
  for (const versions of history.values()) {
    let first = !newest;
    for (const v of versions) {
      // Without `newest`, the newest content's size is the manifest's (the model takes it from there): not asked for.
      if (first && v.change !== 'move') {
        first = false;
        continue;
      }
      if (v.blob) wanted.add(v.blob);
    }
  }
  if (wanted.size === 0) return;
  const sizes = new Map<string, number>();
  const env = { GIT_NO_LAZY_FETCH: '1' };
  const promisor = await git.run(['config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'], { allowFail: true });
  if (promisor.code === 0 && promisor.stdout.trim()) {
    // A partial clone would fetch every blob we ask about: list only the objects that are here.
    const r = await git.run(['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { env });
    for (const line of r.stdout.split('\n')) {
      const [sha, type, size] = line.split(' ');
      if (type === 'blob' && sha && wanted.has(sha)) sizes.set(sha, Number(size));
    }
  } else {
    const r = await git.run(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { input: [...wanted].join('\n') + '\n', env, allowFail: true });
    for (const line of r.stdout.split('\n')) {
      const [sha, type, size] = line.split(' ');
      if (type === 'blob' && sha) sizes.set(sha, Number(size));
    }
  }
  // LFS: the blob is a pointer; the document's size is the one the pointer announces.
  const pointers = new Set<string>();
  for (const id of lfsIds) for (const v of history.get(id) ?? []) if (v.blob && (sizes.get(v.blob) ?? Infinity) < 1024) pointers.add(v.blob);
  if (pointers.size > 0) {
    const contents = await readBlobs(git, [...pointers]);
    for (const [sha, buf] of contents) {
      const m = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n(?:.*\n)*?size (\d+)\n/m.exec(buf.toString('utf8'));
      if (m) sizes.set(sha, Number(m[1]));
    }
  }
  for (const versions of history.values()) for (const v of versions) if (v.blob && sizes.has(v.blob)) v.size = sizes.get(v.blob)!;
}
