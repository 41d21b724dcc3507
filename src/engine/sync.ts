// One backup run of one source: load state, list, plan, transfer, store, save state (DESIGN §1).

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { AuthError, ConfigError, DiskFullError, diskFullError, isDiskFull, ServiceError } from '../lib/errors.ts';
import { crashPoint } from '../lib/crash-point.ts';
import { defaultRetry, type RetryOptions } from '../lib/http/retry.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { bulkTransferFrom, withBulkHeap } from '../lib/tuned-heap.ts';
import { entryToLine, idTrailerKey, type Entry } from './entry.ts';
import { manifestPath, readManifests, renderManifest } from './manifest.ts';
import type { Connector, Container, Item, Person } from './model.ts';
import { computePaths, linkFileContent } from './paths.ts';
import { adoptsVersion, countChanges, planChanges, type Change, type ChangeType, type Listing } from './plan.ts';
import { StateDb } from './state.ts';
import { FastImport, type FileChange, type Signature } from './store/fast-import.ts';
import { Git } from './store/git.ts';
import { lfsPointer, renderGitattributes, storeLfsObject } from './store/lfs.ts';
import { RunMarker } from './store/run-marker.ts';
import { downloadToTemp, type Downloaded } from './transfer.ts';
import { PendingWork } from './pending-work.ts';

export interface SyncOptions {
  connector: Connector;
  repoDir: string;
  branch?: string;
  /** The state database file; default <gitdir>/workspace-backup/state.db. */
  statePath?: string;
  /** Files larger than this many bytes go to git LFS. */
  lfsThreshold?: number;
  /** Documents downloaded at once. */
  concurrency?: number;
  dryRun?: boolean;
  /** Full resync: download every document again and repair any difference. */
  verifyAll?: boolean;
  /** Write this run's coverage report into the repo (.workspace-backup/runs/<time>-<source>.json), which makes a commit every run. */
  recordRun?: boolean;
  /** Epoch ms after which no new download starts; what is done is committed and the run reports complete: false. */
  deadline?: number;
  logger?: Logger;
  onProgress?: (p: Progress) => void;
  retry?: Partial<RetryOptions>;
  now?: () => Date;
}

export interface Progress {
  phase: 'state' | 'listing' | 'planning' | 'transfer' | 'commit' | 'done';
  done: number;
  total: number;
  bytes: number;
  message?: string;
}

export interface Failure {
  id: string;
  path: string;
  action: string;
  error: string;
}

export interface WorkspaceReport {
  id: string;
  name: string;
  path: string;
  archived: boolean;
  listed: number;
  listingError?: string;
  changes: Partial<Record<ChangeType, number>>;
}

export interface SyncReport {
  source: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  /** False when something failed or was left for the next run. */
  complete: boolean;
  stateRebuilt: boolean;
  counts: Record<ChangeType, number> & { unchanged: number; failed: number; skipped: number };
  /** Documents only (folders, links and workspaces are in `counts`): planned in a dry run, stored in a real one. */
  documents: { added: number; changed: number; deleted: number };
  documentsDownloaded: number;
  bytesDownloaded: number;
  commits: number;
  headBefore?: string;
  commitSha?: string;
  workspaces: WorkspaceReport[];
  /** What changed (in a real run, the first reportedChangesMax; git log has every one). */
  changes: Array<{ type: ChangeType; kind: string; id: string; path: string; from?: string }>;
  /** Changes left out of `changes`. */
  changesOmitted?: number;
  failures: Failure[];
  /** Full resync: documents whose bytes in the repo differed from the service's, now repaired. */
  drift: Array<{ id: string; path: string }>;
}

export const reportedChangesMax = 2000;

/** Entries of the state the listing did not show (frozen where they are: deleted, or in a workspace not listed). */
function unlisted(listing: FullListing, prev: Map<string, Entry>): Entry[] {
  const listedIds = new Set<string>(listing.containers.map((c) => c.id));
  for (const items of listing.items.values()) for (const i of items) listedIds.add(i.id);
  return [...prev.values()].filter((e) => !listedIds.has(e.id));
}

const botIdentity = { name: 'workspace-backup', email: 'workspace-backup@users.noreply.invalid' };
const importRef = 'refs/workspace-backup/import';
/** Lanes: side branches of one run, one per container that gains many new documents (see Store). */
const laneRefRoot = 'refs/workspace-backup/lanes/';
/** A container gets a lane when a run adds at least this many new documents to it. */
export const laneMin = 10;
/**
 * A lane is cut into segments of at most this many documents, each a side branch of its own starting empty; the
 * container's one merge has them all as parents. Each commit makes git write its folder's tree again, so a lane of n
 * documents in one folder wrote n²/2 tree entries: a 100,000-document account (folders of up to 3,600 new files)
 * made 23 million, and fast-import was the busiest process of the run (bench/RESULTS.md).
 */
export const laneSegment = 100;

export async function sync(opts: SyncOptions): Promise<SyncReport> {
  try {
    return await syncOnce(opts);
  } catch (e) {
    // git, SQLite and node each word a full disk their own way: one clear error for all of them.
    if (isDiskFull(e) && !(e instanceof DiskFullError)) throw diskFullError(opts.repoDir, e);
    throw e;
  }
}

async function syncOnce(opts: SyncOptions): Promise<SyncReport> {
  people.clear();
  const log = opts.logger ?? silentLogger;
  const now = opts.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const { connector } = opts;
  const source = connector.source;
  const branch = opts.branch ?? 'main';
  const lfsThreshold = opts.lfsThreshold ?? 50 * 1024 * 1024;
  const progress = (p: Progress) => opts.onProgress?.(p);
  let bytesDownloaded = 0;

  // 1. Load state (rebuilt from the manifest when it does not match the repo).
  progress({ phase: 'state', done: 0, total: 0, bytes: 0 });
  await mkdir(opts.repoDir, { recursive: true });
  const git = await Git.init(opts.repoDir, branch, log);
  const gitDir = await git.gitDir();
  const marker = await RunMarker.begin(git, gitDir, log);
  if (!(await git.isBare())) {
    // The LFS smudge filter, so large files appear whole in the working tree (not as pointers).
    const lfs = await git.run(['lfs', 'install', '--local'], { allowFail: true });
    if (lfs.code !== 0) log.warn(`git-lfs is not available (${lfs.stderr.trim()}); files above the LFS threshold will show as pointer files until it is installed`);
  }
  const head = await git.resolve(`refs/heads/${branch}`);
  const statePath = opts.statePath ?? join(gitDir, 'workspace-backup', 'state.db');
  const { state, discarded } = StateDb.open(statePath);
  if (discarded) log.warn(`state file ${statePath} was unreadable (${discarded}); rebuilding it from the backup repo`);
  let stateRebuilt = false;
  try {
    if (state.headOf(source) !== head) {
      const entries = head ? await readManifests(git, head, source) : [];
      state.replaceAll(source, entries, head);
      stateRebuilt = true;
      if (entries.length > 0) log.info(`state rebuilt from the repo's manifest: ${entries.length} entries at ${head?.slice(0, 12) ?? 'an empty repo'}`);
    }
    const prev = new Map(state.entries(source).map((e) => [e.id, e]));

    // 2. List.
    progress({ phase: 'listing', done: 0, total: 0, bytes: 0 });
    const listing = await listEverything(connector, log, progress, prev);

    // 3. Plan.
    progress({ phase: 'planning', done: 0, total: 0, bytes: 0 });
    const paths = computePaths({ root: connector.displayName, containers: listing.containers, items: listing.items, frozen: unlisted(listing, prev), previous: prev });
    const plan = planChanges(prev, listing, paths, { verifyAll: opts.verifyAll, addOnly: connector.capabilities.addOnly ?? false });
    const counts = { ...countChanges(plan.changes), unchanged: plan.unchanged, failed: 0, skipped: 0 };
    const failures: Failure[] = [];
    for (const c of listing.containers) {
      const err = listing.errors.get(c.id);
      if (err) failures.push({ id: c.id, path: paths.get(c.id)!, action: 'list', error: err });
    }
    const report: SyncReport = {
      source,
      startedAt,
      finishedAt: startedAt,
      dryRun: opts.dryRun ?? false,
      complete: failures.length === 0,
      stateRebuilt,
      counts,
      documents: {
        added: plan.changes.filter((c) => c.kind === 'document' && c.type === 'new').length,
        changed: plan.changes.filter((c) => c.kind === 'document' && c.type === 'modified').length,
        deleted: plan.changes.filter((c) => c.kind === 'document' && c.type === 'deleted').length,
      },
      documentsDownloaded: 0,
      bytesDownloaded: 0,
      commits: 0,
      headBefore: head,
      workspaces: workspaceReports(listing, paths, plan.changes),
      changes: [],
      failures,
      drift: [],
    };
    // A real run reports its first changes only (the rest are in git log): a first backup of 100,000 documents would
    // otherwise hold a second object per document for the whole run (bench/RESULTS.md, peak RSS).
    {
      const reported = plan.changes.filter((c) => !c.via);
      const shown = opts.dryRun ? reported : reported.slice(0, reportedChangesMax);
      report.changes = shown.map((c) => ({ type: c.type, kind: c.kind, id: c.id, path: c.path, ...(c.from ? { from: c.from } : {}) }));
      if (reported.length > shown.length) report.changesOmitted = reported.length - shown.length;
    }
    // Listed items that did not change are needed no more (a nightly run of a large account holds all of them).
    listing.items.clear();
    if (opts.dryRun) {
      report.finishedAt = now().toISOString();
      return report;
    }

    // 4–5. Transfer and store. From here on, document counts are what was stored, not what was planned.
    report.documents.added = 0;
    report.documents.changed = 0;
    const tempDir = join(gitDir, 'workspace-backup', 'tmp');
    await rm(tempDir, { recursive: true, force: true });
    await mkdir(tempDir, { recursive: true });
    const next = new Map(prev);
    const jobs = plan.changes.filter((c) => c.download);
    // New documents that will not go to LFS (by the size the service announces), counted per container: a container
    // that gains many this run gets a lane (Store).
    const laneJobs = new Set(jobs.filter((c) => c.kind === 'document' && c.type === 'new' && !prev.has(c.id) && !((c.item!.size ?? 0) > lfsThreshold)));
    const newPerContainer = new Map<string, number>();
    for (const c of laneJobs) newPerContainer.set(c.container, (newPerContainer.get(c.container) ?? 0) + 1);
    const lanes = new Map(connector.capabilities.bulkAdd ? [] : [...newPerContainer].filter(([, n]) => n >= laneMin));
    const store = await Store.open({
      git,
      gitDir,
      head,
      lfsThreshold,
      next,
      source,
      root: connector.displayName,
      bulkAdd: connector.capabilities.bulkAdd ?? false,
      lanes,
      containerNames: new Map(listing.containers.map((c) => [c.id, c.name])),
    });
    const at = now();
    try {
      applyEntryChanges(plan.changes, next, paths, source, at);
      await commitMoves(store, plan.changes, next, at);
      await commitLinks(store, plan.changes, next, source);
      // From here each download job holds its own change, released once done (runPool's `release`): the plan and
      // the paths of a first backup of 100,000 documents would otherwise stay in memory to the end of the run.
      plan.changes = [];
      paths.clear();
      // A lane's container is merged once its last new document is stored, failed or skipped.
      const settle = async (change: Change) => {
        if (laneJobs.delete(change)) await store.settle(change.container);
      };
      let done = 0;
      // Storing runs behind the downloads: a worker hands its document to git and starts the next download, while at
      // most 16 documents (256 MiB) wait to be committed.
      const storing = new PendingWork(16, 256 * 1024 * 1024);
      const finished = () => progress({ phase: 'transfer', done: ++done, total: jobs.length, bytes: bytesDownloaded });
      const failed = (change: Change, e: unknown) => {
        if (e instanceof AuthError || isDiskFull(e)) throw e;
        const item = change.item!;
        counts.failed++;
        failures.push({ id: item.id, path: change.path, action: change.type === 'new' ? 'download' : 'update', error: (e as Error).message });
        log.warn(`could not back up ${change.path} (document ${item.id}): ${(e as Error).message}`);
      };
      // Many downloads (an initial backup): V8 may let its old generation grow meanwhile (tuned-heap.ts).
      await withBulkHeap(async () => {
        await runPool(jobs, opts.concurrency ?? 4, { release: true }, async (change) => {
          if (opts.deadline !== undefined && Date.now() >= opts.deadline) {
            counts.skipped++;
            await settle(change);
            return;
          }
          let got: Downloaded;
          try {
            got = await downloadToTemp(connector, change.item!, {
              tempDir,
              retry: { ...defaultRetry, ...opts.retry },
              onBytes: (n) => {
                bytesDownloaded += n;
              },
            });
            report.documentsDownloaded++;
          } catch (e) {
            failed(change, e);
            finished();
            await settle(change);
            return;
          }
          await storing.add(async () => {
            try {
              await store.putDocument(change, got, source);
              if (change.type === 'new') report.documents.added++;
              else if (change.type === 'modified') report.documents.changed++;
            } catch (e) {
              failed(change, e);
            } finally {
              if (got.file) await rm(got.file, { force: true });
              // Stored or failed: the listed item is not needed any more (its entry holds what stays).
              change.item = undefined;
              change.prev = undefined;
              finished();
            }
            await settle(change);
          }, got.size);
        });
        await storing.drain();
      }, jobs.length >= bulkTransferFrom);
      await store.mergeLanes();

      await store.commitBulkAdds();

      // The manifest: one commit for every container whose entries changed.
      progress({ phase: 'commit', done: 0, total: 0, bytes: bytesDownloaded });
      // Entries the run replaced (unchanged ones are still prev's own objects), then those whose line differs.
      const changedEntries: Entry[] = [];
      for (const e of next.values()) {
        const before = prev.get(e.id);
        if (before !== e && (!before || entryToLine(before) !== entryToLine(e))) changedEntries.push(e);
      }
      const extra: FileChange[] = [];
      if (opts.recordRun) {
        report.complete = failures.length === 0 && counts.skipped === 0;
        report.bytesDownloaded = bytesDownloaded;
        extra.push({ op: 'write', path: runRecordPath(startedAt, source), data: JSON.stringify(runRecord(report, now()), null, 2) + '\n' });
      }
      if (changedEntries.length > 0 || extra.length > 0) {
        crashPoint('manifest.before');
        await store.commitManifest(changedEntries, prev, next, source, runMessage(counts, failures.length), extra);
        crashPoint('manifest.sent');
      }
      const newHead = await store.finish();
      crashPoint('ref.import-finished');
      report.commits = store.commits;
      report.drift = store.drift;
      if (newHead) {
        await advanceBranch(git, branch, head, newHead, log, marker);
        report.commitSha = newHead;
      } else {
        report.commitSha = head;
      }
      crashPoint('ref.advanced');
      state.apply(source, changedEntries, head, newHead ?? head);
    } catch (e) {
      store.abort();
      throw e;
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }

    report.bytesDownloaded = bytesDownloaded;
    report.complete = failures.length === 0 && counts.skipped === 0;
    report.finishedAt = now().toISOString();
    progress({ phase: 'done', done: 1, total: 1, bytes: bytesDownloaded });
    return report;
  } finally {
    state.close();
    marker.end();
  }
}

interface FullListing extends Listing {
  errors: Map<string, string>;
}

async function listEverything(connector: Connector, log: Logger, progress: (p: Progress) => void, prev: Map<string, Entry>): Promise<FullListing> {
  const containers = await connector.listContainers();
  crashPoint('listing.containers');
  const items = new Map<string, Item[]>();
  const failed = new Set<string>();
  const errors = new Map<string, string>();
  let done = 0;
  await runPool(containers, 3, {}, async (c) => {
    try {
      const list: Item[] = [];
      for await (const item of connector.listItems(c)) list.push(item);
      items.set(c.id, list);
      crashPoint('listing.workspace');
    } catch (e) {
      if (e instanceof AuthError || e instanceof ConfigError) throw e;
      failed.add(c.id);
      errors.set(c.id, (e as Error).message);
      log.warn(`could not list workspace "${c.name}" (${c.id}); nothing in it is treated as deleted this run: ${(e as Error).message}`);
    }
    progress({ phase: 'listing', done: ++done, total: containers.length, bytes: 0 });
  });
  // An item listed in two workspaces moved between them while they were being listed: neither listing can be trusted
  // for it, so both workspaces are treated as not listed this run (nothing in them moves or is deleted) and listed again next run.
  const listedIn = new Map<string, string>();
  for (const [cid, list] of items) {
    for (const item of list) {
      const other = listedIn.get(item.id);
      listedIn.set(item.id, cid);
      if (other === undefined || other === cid) continue;
      for (const id of [other, cid]) {
        if (failed.has(id)) continue;
        failed.add(id);
        errors.set(id, `${item.kind} ${item.id} was listed in two workspaces (${other} and ${cid}): it moved while they were being listed; listed again next run`);
        log.warn(`workspace ${id}: ${errors.get(id)}`);
      }
    }
  }
  for (const id of failed) items.delete(id);
  // A restricted configuration (workspace-ids) lists part of the account: only what it names can be judged gone.
  const knownWorkspaces = [...prev.values()].filter((e) => e.kind === 'workspace' && !e.deletedAt).length;
  if (containers.length === 0 && knownWorkspaces > 0) {
    throw new ServiceError(`${connector.displayName} listed no workspaces at all, but the backup holds ${knownWorkspaces}: refusing to read that as "everything deleted"; check the robot's access`);
  }
  return { containers, items, failed, errors, wholeAccount: connector.listsWholeAccount };
}

/** Entries for everything the plan changes that needs no download (content fields are filled in by the store). */
function applyEntryChanges(changes: Change[], next: Map<string, Entry>, paths: Map<string, string>, source: string, at: Date): void {
  const stamp = at.toISOString().replace('.000Z', 'Z');
  for (const c of changes) {
    const before = next.get(c.id);
    if (c.type === 'deleted') {
      next.set(c.id, { ...before!, deletedAt: stamp });
      continue;
    }
    if (c.kind === 'workspace') {
      const e: Entry = { ...(before ?? { source, id: c.id, kind: 'workspace', parent: null, container: c.id }), name: c.name, path: c.path };
      e.deletedAt = undefined;
      if (c.type === 'archived') e.archivedAt = stamp;
      if (c.type === 'unarchived') e.archivedAt = undefined;
      next.set(c.id, e);
      continue;
    }
    const item = c.item!;
    const e: Entry = {
      ...(before ?? {}),
      ...metadataOf(item, source),
      // A document keeps the path its content is at until the store moves or writes it.
      path: before && c.kind !== 'folder' ? before.path : paths.get(item.id)!,
    };
    // Content stamps describe the bytes we hold: they change only when new content is stored.
    if (c.kind === 'document' && before) {
      e.modifiedAt = before.modifiedAt;
      e.version = before.version;
      e.modifier = before.modifier;
      // (A stamp the stored content lacks stays undefined, never deleted: see putDocument.)
      if (adoptsVersion(item, before)) e.version = item.version;
    }
    if (c.kind === 'document' && !before) {
      // New document: no entry until its content is stored, so a failed download is retried next run.
      continue;
    }
    e.deletedAt = undefined;
    next.set(item.id, e);
  }
}

/**
 * One object per person for all the entries of a run: a connector makes a Person per listed item, and a first backup
 * of 100,000 documents by a few hundred people would otherwise keep 100,000 copies to the end (issue 7, peak RSS).
 * Person objects are never changed once listed, so sharing them is safe; the cache is emptied at each run's start.
 */
const people = new Map<string, Person>();

function sharedPerson(p: Person): Person {
  const key = `${p.id}\0${p.name}\0${p.email ?? ''}`;
  const known = people.get(key);
  if (known) return known;
  people.set(key, p);
  return p;
}

function metadataOf(item: Item, source: string): Entry {
  const e: Entry = { source, id: item.id, kind: item.kind, name: item.name, path: '', parent: item.parentId, container: item.containerId };
  if (item.modifiedAt) e.modifiedAt = item.modifiedAt;
  if (item.version) e.version = item.version;
  if (item.modifier) e.modifier = sharedPerson(item.modifier);
  if (item.url !== undefined) e.url = item.url;
  return e;
}

function authorOf(person: Person | undefined, date: string | undefined, source: string, fallback: Date): Signature {
  const when = date ? new Date(date) : fallback;
  if (!person) return { ...botIdentity, date: when };
  return { name: person.name, email: person.email ?? `${person.id}@users.${source}.invalid`, date: when };
}

function trailers(change: Change, source: string): string {
  const lines = [`Source: ${source}`, `${idTrailerKey(change.kind)}: ${change.id}`];
  if (change.kind !== 'workspace') lines.push(`Workspace-Id: ${change.container}`);
  if (change.item?.version) lines.push(`Version: ${change.item.version}`);
  return lines.join('\n');
}

/** The id git gives a blob with this content (SHA-1 object format). */
function gitBlobId(content: string | Buffer): string {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}

interface StoreOptions {
  git: Git;
  gitDir: string;
  /** The branch head the run starts from. */
  head: string | undefined;
  lfsThreshold: number;
  /** The entries as the run leaves them, filled in as content is stored. */
  next: Map<string, Entry>;
  source: string;
  /** The source's top folder ("Projectplace"), whose LFS patterns in .gitattributes this run maintains. */
  root: string;
  bulkAdd: boolean;
  /** Containers that get a lane, with the number of new documents the run will try to add to each. */
  lanes: Map<string, number>;
  containerNames: Map<string, string>;
}

/** A side branch collecting one container's new documents, a commit each, merged when the last one is settled. */
interface Lane {
  /** The lane's own ref prefix; its segments are <base>-1, <base>-2… */
  base: string;
  /** The lane's segments (side branches), the last one being filled. */
  refs: string[];
  /** Documents committed on the last segment. */
  filled: number;
  left: number;
  files: Array<{ path: string; mark: number }>;
}

/**
 * Writes commits onto the import ref, keeping LFS attributes and the manifest in step.
 *
 * Lanes: every commit makes git write a new tree for each folder on the changed path, and the source's top folder
 * lists every workspace, so with 2,000 workspaces each commit re-serialises a 2,000-entry tree: git fast-import
 * tops out near 350 commits/s (bench/commit-rate.ts). A container that gains many documents in one run (the first
 * backup, a new workspace) gets its own side branch instead, whose commits hold only that container's folder; the
 * documents are still committed one each, authored by their modifier at their modification time, and one merge
 * commit per container brings them onto the branch. `git log -- <file>` follows the merge into the lane (the merge
 * has the file's blob from the lane's side), so each document's history reads as before; the lane's commits carry
 * the same trailers, so the site and `restore` find them. The lane refs are deleted when the import ends.
 */
class Store {
  #source: string;
  #root: string;
  #bulkAdd: boolean;
  /** bulkAdd: new items whose content is already in the import stream, waiting for their container's commit. */
  #added = new Map<string, Array<{ path: string; mark: number }>>();
  #lanes = new Map<string, Lane>();
  #containerNames: Map<string, string>;
  #git: Git;
  #gitDir: string;
  #head: string | undefined;
  #fi: FastImport | undefined;
  /** One importer per run, however many downloads finish at once (a second one would race for the same ref). */
  #starting: Promise<FastImport> | undefined;
  #lfsThreshold: number;
  #next: Map<string, Entry>;
  #attributes: string | undefined;
  #tree: Promise<Map<string, { mode: string; sha: string }>> | undefined;
  #moved = new Set<string>();
  /** Documents whose bytes in the repo differed from the service's, found by a full resync and repaired. */
  readonly drift: Array<{ id: string; path: string }> = [];

  private constructor(o: StoreOptions) {
    this.#source = o.source;
    this.#root = o.root;
    this.#bulkAdd = o.bulkAdd;
    this.#git = o.git;
    this.#gitDir = o.gitDir;
    this.#head = o.head;
    this.#lfsThreshold = o.lfsThreshold;
    this.#next = o.next;
    this.#containerNames = o.containerNames;
    let n = 0;
    for (const [container, count] of o.lanes) {
      const base = `${laneRefRoot}${++n}`;
      this.#lanes.set(container, { base, refs: [`${base}-1`], filled: 0, left: count, files: [] });
    }
  }

  static async open(o: StoreOptions): Promise<Store> {
    // Lane refs left by a run that ended between its import and their deletion would refuse the new lanes' tips.
    await deleteRefsUnder(o.git, laneRefRoot);
    return new Store(o);
  }

  get commits(): number {
    return this.#fi?.commits ?? 0;
  }

  async #importer(): Promise<FastImport> {
    this.#starting ??= FastImport.start(this.#git, importRef, this.#head).then((fi) => (this.#fi = fi));
    return this.#starting;
  }

  async #gitattributes(): Promise<string> {
    if (this.#attributes === undefined) {
      const r = this.#head ? await this.#git.run(['cat-file', 'blob', `${this.#head}:.gitattributes`], { allowFail: true }) : undefined;
      this.#attributes = r && r.code === 0 ? r.stdout : '';
    }
    return this.#attributes;
  }

  /** A .gitattributes change listing every LFS path of the entries as they are now, when it differs. */
  async #attributesChange(): Promise<FileChange[]> {
    const lfsPaths = [...this.#next.values()].filter((e) => e.lfs).map((e) => e.path);
    const before = await this.#gitattributes();
    const after = renderGitattributes(before, lfsPaths, this.#root);
    if (after === before || (before === '' && lfsPaths.length === 0)) return [];
    this.#attributes = after;
    return [{ op: 'write', path: '.gitattributes', data: after }];
  }

  /**
   * Full resync: does the repo's blob at `path` differ from what the service serves? Compares git object ids, so a
   * blobless checkout needs no content. A difference (a hand edit, a corrupted push) is drift, repaired by a commit.
   */
  async #drifted(id: string, path: string, got: Downloaded, lfs: boolean): Promise<boolean> {
    if (this.#moved.has(id)) return false;
    const inTree = await this.#blobAt(path);
    const expected = lfs
      ? gitBlobId(lfsPointer(got.sha256, got.size))
      : got.data
        ? gitBlobId(got.data)
        : (await this.#git.run(['hash-object', '--no-filters', '--', got.file])).stdout.trim();
    if (inTree?.sha === expected) return false;
    this.drift.push({ id, path });
    return true;
  }

  /** The blob at a path in the run's starting commit (one ls-tree, shared by concurrent callers). */
  async #blobAt(path: string): Promise<{ mode: string; sha: string } | undefined> {
    if (!this.#head) return undefined;
    this.#tree ??= this.#git.run(['ls-tree', '-r', '-z', '--full-tree', this.#head]).then(({ stdout }) => {
      const tree = new Map<string, { mode: string; sha: string }>();
      for (const rec of stdout.split('\0')) {
        const m = /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(rec);
        if (m) tree.set(m[3]!, { mode: m[1]!, sha: m[2]! });
      }
      return tree;
    });
    return (await this.#tree).get(path);
  }

  /** One commit per move group: all old paths removed, then all new ones added with the same blobs (swaps are safe). */
  async commitMoveGroup(moves: Change[], message: string, at: Date): Promise<void> {
    const removes: FileChange[] = [];
    const adds: FileChange[] = [];
    for (const m of moves) {
      const blob = await this.#blobAt(m.from!);
      // A path never committed (its download failed earlier) has nothing to move: the content goes to the new path.
      this.#next.get(m.id)!.path = m.path;
      this.#moved.add(m.id);
      if (!blob) continue;
      removes.push({ op: 'delete', path: m.from! });
      adds.push({ op: 'blob', path: m.path, mode: blob.mode, sha: blob.sha });
    }
    if (removes.length === 0) return;
    const fi = await this.#importer();
    const lfsMoved = moves.some((m) => this.#next.get(m.id)?.lfs);
    const changes = [...removes, ...adds, ...(lfsMoved ? await this.#attributesChange() : [])];
    await fi.commit({ author: { ...botIdentity, date: at }, committer: { ...botIdentity, date: at }, message, changes });
  }

  async putLink(change: Change, source: string): Promise<void> {
    const item = change.item!;
    const content = linkFileContent(item.url);
    const entry = this.#next.get(item.id)!;
    entry.path = change.path;
    entry.size = Buffer.byteLength(content);
    const fi = await this.#importer();
    await fi.commit({
      author: authorOf(item.modifier, item.modifiedAt, source, new Date()),
      committer: { ...botIdentity, date: new Date() },
      message: `${change.type === 'new' ? 'Add link' : 'Update link'} ${item.name}\n\n${trailers(change, source)}`,
      changes: [{ op: 'write', path: change.path, data: content }],
    });
  }

  async putDocument(change: Change, got: Downloaded, source: string): Promise<void> {
    const item = change.item!;
    const before = this.#next.get(item.id);
    const entry: Entry = { ...(before ?? { source, id: item.id, kind: 'document', parent: null, container: item.containerId }), ...metadataOf(item, source), path: before?.path ?? change.path };
    const samePlace = before?.sha256 === got.sha256 && before.path === change.path;
    entry.sha256 = got.sha256;
    entry.size = got.size;
    const lfs = got.size > this.#lfsThreshold;
    // Never `delete` a key of an entry: V8 turns an object that loses a property into a dictionary, about 800 bytes
    // more per entry (100,000 entries: tens of MB of peak RSS, issue 7). An undefined key is left out of the manifest.
    entry.lfs = lfs || undefined;
    if (samePlace && !(change.type === 'verify' && (await this.#drifted(item.id, change.path, got, lfs)))) {
      // Same bytes at the same path: only the metadata moved on (or a full resync found nothing to repair).
      this.#next.set(item.id, entry);
      return;
    }
    entry.path = change.path;
    this.#next.set(item.id, entry);
    const fi = await this.#importer();
    // A new document of a container with a lane is committed there; a new record of a bulkAdd source waits for its
    // container's commit. Either way its content goes to git now, as a blob named by its mark.
    const lane = !before && !lfs ? this.#lanes.get(item.containerId) : undefined;
    const bulk = !lane && this.#bulkAdd && !before?.sha256 && !lfs;
    const mark = lane || bulk ? await fi.blob(got.data ? { data: got.data } : { file: got.file, size: got.size }) : undefined;
    if (bulk) {
      const list = this.#added.get(item.containerId) ?? [];
      list.push({ path: change.path, mark: mark! });
      this.#added.set(item.containerId, list);
      return;
    }
    const changes: FileChange[] = [];
    if (mark !== undefined) {
      changes.push({ op: 'mark', path: change.path, mark });
    } else if (lfs) {
      await storeLfsObject(this.#gitDir, got.file ?? (await this.#spill(got.data, item.id)), got.sha256);
      changes.push({ op: 'write', path: change.path, data: lfsPointer(got.sha256, got.size) });
    } else if (got.data) {
      changes.push({ op: 'write', path: change.path, data: got.data });
    } else {
      changes.push({ op: 'put', path: change.path, file: got.file, size: got.size });
    }
    if (before && before.path !== change.path) changes.unshift({ op: 'delete', path: before.path });
    // .gitattributes lists LFS paths: only a document entering or leaving LFS can change it.
    if (lfs || before?.lfs) changes.push(...(await this.#attributesChange()));
    const verb = change.type === 'new' || !before?.sha256 ? 'Add' : change.type === 'verify' ? 'Repair' : 'Update';
    if (verb === 'Repair' && !this.drift.some((d) => d.id === item.id)) this.drift.push({ id: item.id, path: change.path });
    const version = item.version ? ` (version ${item.version})` : '';
    if (lane && lane.filled >= laneSegment) {
      lane.refs.push(`${lane.base}-${lane.refs.length + 1}`);
      lane.filled = 0;
    }
    if (lane) lane.filled++;
    await fi.commit({
      ...(lane ? { ref: lane.refs.at(-1)! } : {}),
      author: authorOf(item.modifier, item.modifiedAt, source, new Date()),
      committer: { ...botIdentity, date: new Date() },
      message: `${verb} ${item.name}${version}\n\n${change.path}\n\n${trailers(change, source)}`,
      changes,
    });
    if (lane && mark !== undefined) lane.files.push({ path: change.path, mark });
  }

  /** One of the run's new documents for `container` is stored, failed or skipped: the last one merges its lane. */
  async settle(container: string): Promise<void> {
    const lane = this.#lanes.get(container);
    if (!lane || --lane.left > 0) return;
    await this.#mergeLane(container, lane);
  }

  /** Merges the lanes still open (normally none: each is merged when its last document settles). */
  async mergeLanes(): Promise<void> {
    for (const [container, lane] of this.#lanes) await this.#mergeLane(container, lane);
  }

  async #mergeLane(container: string, lane: Lane): Promise<void> {
    this.#lanes.delete(container);
    if (lane.files.length === 0) return;
    const fi = await this.#importer();
    const at = new Date();
    const bot = { author: { ...botIdentity, date: at }, committer: { ...botIdentity, date: at } };
    // The branch needs a commit of its own first, or the merge would make the lane its first parent.
    if (!fi.hasTip) await fi.commit({ ...bot, message: `Begin the backup\n\nThe first commit of this repository.`, changes: [] });
    const name = this.#containerNames.get(container) ?? container;
    const n = lane.files.length;
    const where = lane.files[0]!.path.split('/').slice(0, 2).join('/');
    await fi.commit({
      ...bot,
      merge: lane.refs,
      message: `Add ${n === 1 ? '1 document' : `${n} documents`} to ${name}\n\n${where}\n\nSource: ${this.#source}\nWorkspace-Id: ${container}\nDocuments-Added: ${n}`,
      changes: lane.files.map((f) => ({ op: 'mark', path: f.path, mark: f.mark })),
    });
  }

  /** bulkAdd: one commit per container for the items it added this run (their content was sent as it arrived). */
  async commitBulkAdds(): Promise<number> {
    let added = 0;
    for (const [container, list] of [...this.#added].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const name = this.#containerNames.get(container) ?? container;
      const at = new Date();
      const what = list.length === 1 ? '1 item' : `${list.length} items`;
      await (await this.#importer()).commit({
        author: { ...botIdentity, date: at },
        committer: { ...botIdentity, date: at },
        message: `Add ${what} to ${name}\n\n${posix.dirname(list[0]!.path)}\n\nSource: ${this.#source}\nWorkspace-Id: ${container}\nItems-Added: ${list.length}`,
        changes: list.map((a) => ({ op: 'mark', path: a.path, mark: a.mark })),
      });
      added += list.length;
    }
    this.#added.clear();
    return added;
  }

  /** A small document held in memory that must go to LFS (a threshold below the in-memory size) goes through a temp file. */
  async #spill(data: Buffer, id: string): Promise<string> {
    const file = join(this.#gitDir, 'workspace-backup', 'tmp', `${id}-${randomBytes(6).toString('hex')}.lfs`);
    await writeFile(file, data, { flag: 'wx' });
    return file;
  }

  async commitManifest(changed: Entry[], prev: Map<string, Entry>, next: Map<string, Entry>, source: string, message: string, extra: FileChange[] = []): Promise<void> {
    const containers = new Set<string>();
    for (const e of changed) {
      containers.add(e.container);
      const before = prev.get(e.id);
      if (before) containers.add(before.container);
    }
    // One pass over the entries, not one per container (2,000 workspaces × 100,000 entries otherwise).
    const byContainer = new Map<string, Entry[]>([...containers].map((c) => [c, []]));
    for (const e of next.values()) byContainer.get(e.container)?.push(e);
    // Each container's manifest goes to git as soon as it is rendered: one in memory at a time, not all of them.
    const fi = await this.#importer();
    const changes: FileChange[] = [];
    for (const c of [...containers].sort()) {
      const entries = byContainer.get(c)!;
      byContainer.delete(c);
      const path = manifestPath(source, c);
      changes.push(entries.length ? { op: 'mark', path, mark: await fi.blob({ data: Buffer.from(renderManifest(entries), 'utf8') }) } : { op: 'delete', path });
    }
    changes.push(...extra);
    const at = new Date();
    await fi.commit({ author: { ...botIdentity, date: at }, committer: { ...botIdentity, date: at }, message, changes });
  }

  async finish(): Promise<string | undefined> {
    if (this.#starting) await this.#starting;
    if (!this.#fi) return undefined;
    const tip = await this.#fi.finish(this.#git);
    await deleteRefsUnder(this.#git, laneRefRoot);
    return tip;
  }

  abort(): void {
    this.#fi?.abort();
  }
}

async function commitMoves(store: Store, changes: Change[], next: Map<string, Entry>, at: Date): Promise<void> {
  const fileMoves = changes.filter((c) => c.from !== undefined && (c.kind === 'document' || c.kind === 'link'));
  const groups = new Map<string, Change[]>();
  for (const m of fileMoves) {
    const key = m.via ?? m.id;
    const list = groups.get(key) ?? [];
    list.push(m);
    groups.set(key, list);
  }
  const causes = new Map(changes.filter((c) => c.from !== undefined).map((c) => [c.id, c]));
  // When one group's target is another group's source, sequential commits would overwrite a file before it moved:
  // then every move goes into one commit, which removes all old paths before adding the new ones.
  const sources = new Set(fileMoves.map((m) => m.from!));
  const crossing = [...groups.values()].some((g) => g.some((m) => sources.has(m.path) && !g.some((o) => o.from === m.path)));
  if (crossing && groups.size > 1) {
    await store.commitMoveGroup(fileMoves, `Rename and move ${fileMoves.length} items\n\nPaths changed in ${next.values().next().value?.source ?? 'the service'} that take each other's places.\n\n${movedTrailers(fileMoves, undefined)}`.trimEnd(), at);
    return;
  }
  for (const [key, moves] of groups) {
    const cause = causes.get(key)!;
    const verb = cause.type === 'renamed' ? 'Rename' : 'Move';
    const message = `${verb} ${cause.kind} ${posix.basename(cause.from!)} → ${cause.type === 'renamed' ? cause.name : posix.dirname(cause.path)}\n\n${cause.from} → ${cause.path}\n\nSource: ${next.get(key)?.source ?? ''}\n${idTrailerKey(cause.kind)}: ${key}`;
    const moved = movedTrailers(moves, key);
    await store.commitMoveGroup(moves, moved ? `${message}\n${moved}` : message, at);
  }
}

/**
 * `Moved: <id> <new path>` for each document a commit moves without naming it in its Document-Id (one its folder's
 * or workspace's move or rename took along), so its history on the site shows the move too.
 */
function movedTrailers(moves: Change[], ownId: string | undefined): string {
  return moves
    .filter((m) => m.kind === 'document' && m.id !== ownId && !/\s/.test(m.id))
    .map((m) => `Moved: ${m.id} ${m.path}`)
    .join('\n');
}

async function commitLinks(store: Store, changes: Change[], next: Map<string, Entry>, source: string): Promise<void> {
  for (const c of changes) {
    if (c.kind !== 'link' || (c.type !== 'new' && c.type !== 'modified')) continue;
    if (!next.has(c.id)) next.set(c.id, { ...metadataOf(c.item!, source), path: c.path });
    await store.putLink(c, source);
  }
}

/** Deletes every ref under `prefix` (one git process however many). */
async function deleteRefsUnder(git: Git, prefix: string): Promise<void> {
  const refs = (await git.run(['for-each-ref', '--format=%(refname)', prefix], { allowFail: true })).stdout.split('\n').filter(Boolean);
  if (refs.length > 0) await git.run(['update-ref', '--stdin'], { input: refs.map((r) => `delete ${r}\n`).join('') });
}

/** Moves the branch to the new commit; where the branch is checked out, the working tree follows (LFS files smudged). */
async function advanceBranch(git: Git, branch: string, oldHead: string | undefined, newHead: string, log: Logger, marker: RunMarker): Promise<void> {
  const bare = await git.isBare();
  const current = (await git.run(['symbolic-ref', '-q', 'HEAD'], { allowFail: true })).stdout.trim();
  if (!bare && current === `refs/heads/${branch}`) {
    marker.checkingOut(oldHead, newHead);
    // git maps whole pack windows (1 GiB each by default) while it checks the files out: the checkout of a 20,000-
    // document (1.3 GB) backup peaked at 1.4 GB RSS; with 32 MiB windows at about 180 MB (bench/RESULTS.md).
    const merged = await git.run(['-c', 'core.packedGitWindowSize=32m', '-c', 'core.packedGitLimit=192m', 'merge', '--ff-only', '-q', importRef], { allowFail: true });
    if (merged.code === 0) {
      crashPoint('ref.merged');
      await git.run(['update-ref', '-d', importRef], { allowFail: true });
      return;
    }
    log.warn(`the backup is committed, but the working tree of ${git.dir} could not be updated (local changes?): ${merged.stderr.trim()}`);
  }
  await git.run(['update-ref', `refs/heads/${branch}`, newHead, ...(oldHead ? [oldHead] : [])]);
  await git.run(['update-ref', '-d', importRef], { allowFail: true });
}

/** Where a run's coverage report goes: one file per run, named by its start time. */
export function runRecordPath(startedAt: string, source: string): string {
  // Named by source too: the sources of one configuration run one after another and may start within a second.
  return `.workspace-backup/runs/${startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}-${source.replace(/[^a-z0-9-]/gi, '_')}.json`;
}

/** The coverage report kept in the repo: what was listed, downloaded, failed and skipped, per workspace. */
function runRecord(r: SyncReport, at: Date) {
  return {
    source: r.source,
    startedAt: r.startedAt,
    finishedAt: at.toISOString(),
    complete: r.complete,
    counts: r.counts,
    documentsDownloaded: r.documentsDownloaded,
    bytesDownloaded: r.bytesDownloaded,
    workspaces: r.workspaces.map((w) => ({ id: w.id, name: w.name, archived: w.archived, listed: w.listed, changes: w.changes, ...(w.listingError ? { listingError: w.listingError } : {}) })),
    failures: r.failures,
  };
}

function runMessage(counts: SyncReport['counts'], failed: number): string {
  const parts = (['new', 'modified', 'renamed', 'moved', 'deleted', 'archived', 'unarchived', 'restored'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`);
  return `Backup: ${parts.join(', ') || 'metadata'}${failed ? `, ${failed} failed` : ''}\n\nManifest and state of this run.`;
}

function workspaceReports(listing: FullListing, paths: Map<string, string>, changes: Change[]): WorkspaceReport[] {
  // Counted in one pass over the changes (per container, it was 2,000 × 118,500 steps: 4.5 s of a 100,000-document run).
  const byContainer = new Map<string, Partial<Record<ChangeType, number>>>();
  for (const ch of changes) {
    if (ch.via || ch.kind === 'workspace') continue;
    let counts = byContainer.get(ch.container);
    if (!counts) byContainer.set(ch.container, (counts = {}));
    counts[ch.type] = (counts[ch.type] ?? 0) + 1;
  }
  return listing.containers.map((c) => {
    const counts = byContainer.get(c.id) ?? {};
    const r: WorkspaceReport = { id: c.id, name: c.name, path: paths.get(c.id)!, archived: c.archived, listed: listing.items.get(c.id)?.length ?? 0, changes: counts };
    const err = listing.errors.get(c.id);
    if (err) r.listingError = err;
    return r;
  });
}

/**
 * Runs fn over items with at most `limit` at once; the first error stops everything. With `release`, each slot of
 * `items` is emptied as it is taken, so a finished item can be collected before the whole list is done.
 */
export async function runPool<T>(items: T[], limit: number, opts: { release?: boolean }, fn: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  let fatal: unknown;
  const worker = async () => {
    while (fatal === undefined && index < items.length) {
      const item = items[index]!;
      if (opts.release) (items as Array<T | undefined>)[index] = undefined;
      index++;
      try {
        await fn(item);
      } catch (e) {
        fatal ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (fatal !== undefined) throw fatal;
}
