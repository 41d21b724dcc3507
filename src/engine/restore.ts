// Gets documents and whole workspaces back out of a backup repository, as they were at a date or commit.
//
// A document's versions are the commits carrying its `Document-Id:` (or `Link-Id:`) trailer whose blob differs from
// the version before (a rename commit carries the trailer too, with the same blob). An old path is mapped to its
// document through `git log --follow`, which also crosses folder moves (those commits carry the folder's trailer).
// `at` for a document means the version the service had then (the commit's author date is the service's modification
// time); for a workspace it means what the backup held then: the last completed run (manifest commit) at or before it.
// Bytes are streamed (one `git cat-file --batch`), LFS pointers are resolved from <gitdir>/lfs/objects and checked
// against their sha256, and nothing is ever written outside the output folder.

import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { isSafeSegment, safeSegment } from '../lib/safe-path.ts';
import { idTrailerKey, type Entry } from './entry.ts';
import { manifestRoot } from './manifest.ts';
import { CatFileBatch, listTree, parseLfsPointer, type TreeFile } from './store/cat-file.ts';
import type { Git } from './store/git.ts';
import { exactPattern, lfsObjectPath } from './store/lfs.ts';
import { DamagedBackupError, lfsPatterns, openBackup, readEntriesAt } from './verify.ts';

export interface RepoOptions {
  repoDir: string;
  /** Default: main, or the branch HEAD names when there is no main. */
  branch?: string;
  logger?: Logger;
}

export interface DocumentQuery {
  /** The document's (or link's) id in its service. */
  id?: string;
  /** A repo-relative path it has now or had before a rename or move. */
  path?: string;
  /** Which source, when an id exists in more than one. */
  source?: string;
}

export interface DocumentRef {
  source: string;
  id: string;
  kind: 'document' | 'link';
  name?: string;
  /** Its path at the branch head (undefined when its manifest entry is gone). */
  path?: string;
  deletedAt?: string;
}

export interface DocumentVersion {
  commit: string;
  /** When the change was made in the service (the commit's author date), ISO. */
  date: string;
  /** When the backup committed it, ISO. */
  committedAt: string;
  author: { name: string; email: string };
  subject: string;
  /** Its path in the repo at that version. */
  path: string;
  blob: string;
  /** Size of the document (for LFS, the real file's size from the pointer); undefined when the blob is not local. */
  size?: number;
  /** Set when the version is stored in git LFS. */
  lfs?: { oid: string; size: number };
}

export interface RestoredFile {
  /** Where it was in the repo. */
  repoPath: string;
  /** The file written (absolute). */
  file: string;
  size: number;
  sha256: string;
  lfs: boolean;
}

export interface RestoreDocumentOptions extends RepoOptions, DocumentQuery {
  /** The version the document had at this time (latest version whose author date is at or before it). */
  at?: Date;
  /** The version the document had at this commit. */
  commit?: string;
  /** Output folder (created if needed). */
  to: string;
  /** Write under its full repo-relative path instead of its file name (both as the document is named now). */
  keepPaths?: boolean;
  /** Overwrite an existing file of the same name. */
  force?: boolean;
}

export interface RestoreWorkspaceOptions extends RepoOptions {
  /** Workspace id, name, or repo path. */
  workspace: string;
  source?: string;
  /** The backup as of this time: the last completed run at or before it. */
  at?: Date;
  commit?: string;
  /** Output folder: the workspace is written to <to>/<workspace folder>/. Must be empty or absent unless `force`. */
  to: string;
  /** Also write documents deleted in the service before that point (they stay in the backup's tree). */
  includeDeleted?: boolean;
  /** Write into a non-empty output folder, overwriting files of the same path. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface WorkspaceRestore {
  source: string;
  workspace: { id: string; name: string; path: string; deletedAt?: string; archivedAt?: string };
  commit: string;
  committedAt: string;
  /** The folder the workspace was written to. */
  folder: string;
  files: RestoredFile[];
  /** Deleted documents left out (use includeDeleted). */
  skippedDeleted: number;
  bytes: number;
}

/** Finds a document by id or path, at the head or in history. Throws ConfigError naming what was not found. */
export async function findDocument(opts: RepoOptions & DocumentQuery): Promise<DocumentRef> {
  const { git, head } = await openBackup(opts.repoDir, opts.branch, opts.logger);
  return locate(git, head, opts);
}

/** Every stored version of a document, oldest first. */
export async function listVersions(opts: RepoOptions & DocumentQuery): Promise<{ document: DocumentRef; versions: DocumentVersion[] }> {
  const { git, head } = await openBackup(opts.repoDir, opts.branch, opts.logger);
  const document = await locate(git, head, opts);
  const cat = CatFileBatch.start(git);
  try {
    return { document, versions: await versionsOf(git, cat, head, document) };
  } finally {
    await cat.close();
  }
}

/** Writes one version of one document into `to`; returns what was written and which version it was. */
export async function restoreDocument(opts: RestoreDocumentOptions): Promise<RestoredFile & { document: DocumentRef; version: DocumentVersion }> {
  if (opts.at && opts.commit) throw new ConfigError('give either a date or a commit, not both');
  const { git, gitDir, head } = await openBackup(opts.repoDir, opts.branch, opts.logger);
  const document = await locate(git, head, opts);
  const to = await outputFolder(git, opts.to);
  const cat = CatFileBatch.start(git);
  try {
    const start = opts.commit ? await resolveCommit(git, opts.commit) : head;
    const versions = await versionsOf(git, cat, start, document);
    const what = `${document.kind} ${document.id}${document.path ? ` (${document.path})` : ''}`;
    if (versions.length === 0) {
      throw new ConfigError(opts.commit ? `${what} has no version at or before commit ${opts.commit}` : `${what} has no stored version in the backup`);
    }
    let version = versions.at(-1)!;
    if (opts.at) {
      const at = opts.at.getTime();
      const before = versions.filter((v) => Date.parse(v.date) <= at);
      if (before.length === 0) {
        throw new ConfigError(
          `${what} has no version at or before ${opts.at.toISOString()}: its first backed-up version is from ${versions[0]!.date} (see \`workspace-backup restore --id ${document.id} --list\`)`,
        );
      }
      // The latest by the service's date; among equal dates, the later commit.
      version = before.reduce((best, v) => (Date.parse(v.date) >= Date.parse(best.date) ? v : best));
    }
    // Named as the document is now (a rename after that version does not bring the old name back); the version's own
    // path is in the result.
    const current = document.path ?? version.path;
    const relOut = opts.keepPaths ? current : posix.basename(current);
    const target = await prepareTarget(to, relOut, opts.force ?? false);
    const written = await writeVersion(cat, gitDir, { oid: version.blob, lfs: version.lfs }, target);
    return { repoPath: version.path, file: target, ...written, document, version };
  } finally {
    await cat.close();
  }
}

/** Writes every document and link a workspace held at a point in time under <to>/<workspace folder>/. */
export async function restoreWorkspace(opts: RestoreWorkspaceOptions): Promise<WorkspaceRestore> {
  if (opts.at && opts.commit) throw new ConfigError('give either a date or a commit, not both');
  const { git, gitDir, branch, head } = await openBackup(opts.repoDir, opts.branch, opts.logger);
  const commit = opts.commit ? await resolveCommit(git, opts.commit) : opts.at ? await runAtOrBefore(git, branch, opts.at) : head;
  const committedAt = (await git.run(['show', '-s', '--format=%cI', commit])).stdout.trim();
  const { source, ws, entries } = await locateWorkspace(git, head, commit, opts.workspace, opts.source, committedAt);
  const to = await outputFolder(git, opts.to);
  if (!opts.force && (await readdir(to)).length > 0) {
    throw new ConfigError(`the output folder ${to} is not empty: choose an empty or new folder, or pass --force to write into it (files of the same path are overwritten)`);
  }
  const includeDeleted = opts.includeDeleted ?? ws.deletedAt !== undefined;
  const deleted = new Set(entries.filter((e) => e.deletedAt && (e.kind === 'document' || e.kind === 'link')).map((e) => e.path));
  const treeish = await git.run(['rev-parse', '--verify', '--quiet', `${commit}:${ws.path}`], { allowFail: true });
  const files: TreeFile[] = treeish.code === 0 ? (await listTree(git, treeish.stdout.trim())).map((f) => ({ ...f, path: `${ws.path}/${f.path}` })) : [];
  const cat = CatFileBatch.start(git);
  const folderName = posix.basename(ws.path);
  const out: RestoredFile[] = [];
  let skippedDeleted = 0;
  let bytes = 0;
  try {
    const lfsLines = await lfsPatternsAt(cat, commit);
    const wanted = files.filter((f) => {
      if (f.type !== 'blob' || f.mode === '120000') return false;
      if (!includeDeleted && deleted.has(f.path)) {
        skippedDeleted++;
        return false;
      }
      return true;
    });
    let done = 0;
    for (const f of wanted) {
      const lfs = lfsLines.has(exactPattern(f.path)) ? await pointerOf(cat, f.oid) : undefined;
      const target = await prepareTarget(to, `${folderName}/${f.path.slice(ws.path.length + 1)}`, true);
      const written = await writeVersion(cat, gitDir, { oid: f.oid, lfs }, target);
      bytes += written.size;
      out.push({ repoPath: f.path, file: target, ...written });
      opts.onProgress?.(++done, wanted.length);
    }
  } finally {
    await cat.close();
  }
  const workspace = { id: ws.id, name: ws.name, path: ws.path, ...(ws.deletedAt ? { deletedAt: ws.deletedAt } : {}), ...(ws.archivedAt ? { archivedAt: ws.archivedAt } : {}) };
  return { source, workspace, commit, committedAt, folder: join(to, outputSegment(folderName)), files: out, skippedDeleted, bytes };
}

// ——— finding things ———

async function allEntries(git: Git, commit: string, onlySource?: string): Promise<Entry[]> {
  const cat = CatFileBatch.start(git);
  try {
    return (await readEntriesAt(git, cat, commit, { source: onlySource })).entries;
  } finally {
    await cat.close();
  }
}

function refOf(e: Entry): DocumentRef {
  return { source: e.source, id: e.id, kind: e.kind as 'document' | 'link', name: e.name, path: e.path, ...(e.deletedAt ? { deletedAt: e.deletedAt } : {}) };
}

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

async function locate(git: Git, head: string, q: DocumentQuery): Promise<DocumentRef> {
  if ((q.id === undefined) === (q.path === undefined)) throw new ConfigError('name the document by its id or by its path (one of them)');
  const entries = await allEntries(git, head, q.source);
  const files = entries.filter((e) => e.kind === 'document' || e.kind === 'link');
  if (q.id !== undefined) {
    const found = files.filter((e) => e.id === q.id);
    if (found.length > 1) throw new ConfigError(`id ${q.id} is in more than one source (${found.map((e) => e.source).join(', ')}): name the source`);
    if (found.length === 1) return refOf(found[0]!);
    const other = entries.find((e) => e.id === q.id);
    if (other) throw new ConfigError(`${q.id} is a ${other.kind} (${other.path}), not a document: ${other.kind === 'workspace' ? 'use --workspace' : 'give a document id or path'}`);
    // Not in the manifest (any more): its commits still name it.
    const hit = await trailerCommit(git, head, ['log', '-1', '-E', `--grep=^(Document|Link)-Id: ${escapeRegex(q.id)}$`, ...(q.source ? ['--all-match', `--grep=^Source: ${escapeRegex(q.source)}$`] : [])]);
    if (hit) return hit;
    throw new ConfigError(`no document with id ${q.id} in the backup${q.source ? ` of ${q.source}` : ''}: check the id (the manifest under ${manifestRoot}/ lists them)`);
  }
  const path = normalizeRepoPath(q.path!, git.dir);
  const atHead = files.find((e) => e.path === path);
  if (atHead) return refOf(atHead);
  const container = entries.find((e) => e.path === path);
  if (container) throw new ConfigError(`${path} is a ${container.kind}, not a document: ${container.kind === 'workspace' ? 'use --workspace' : 'give the path of a file'}`);
  // An old path: the newest commit that touched it and names a document (following renames back to where it was added).
  const hit = await trailerCommit(git, head, ['--literal-pathspecs', 'log', '--follow', '--', path]);
  if (hit && (!q.source || hit.source === q.source)) return hit;
  throw new ConfigError(`no document has ever been at ${path} in the backup: give a repo-relative path like "Projectplace/<workspace>/<file>", or the document's id`);
}

/** The document named by the newest matching commit's trailers, completed from the head manifest when it is there. */
async function trailerCommit(git: Git, head: string, logArgs: string[]): Promise<DocumentRef | undefined> {
  const i = logArgs.indexOf('log');
  const args = [...logArgs.slice(0, i + 1), '-z', '--format=%B', head, ...logArgs.slice(i + 1)];
  const r = await git.run(args, { allowFail: true });
  if (r.code !== 0) return undefined;
  for (const message of r.stdout.split('\0')) {
    const id = /^(Document|Link)-Id: (.+)$/m.exec(message);
    const source = /^Source: (.+)$/m.exec(message)?.[1];
    if (!id || !source) continue;
    const entry = (await allEntries(git, head, source)).find((e) => e.id === id[2] && (e.kind === 'document' || e.kind === 'link'));
    if (entry) return refOf(entry);
    return { source, id: id[2]!, kind: id[1] === 'Link' ? 'link' : 'document' };
  }
  return undefined;
}

/** The versions reachable from `start`, oldest first. */
async function versionsOf(git: Git, cat: CatFileBatch, start: string, doc: DocumentRef): Promise<DocumentVersion[]> {
  const label = idTrailerKey(doc.kind);
  const log = await git.run([
    'log', '-z', '-E', '--all-match', `--grep=^Source: ${escapeRegex(doc.source)}$`, `--grep=^${label}: ${escapeRegex(doc.id)}$`,
    '--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%s', start,
  ]);
  const commits = log.stdout.split('\0').filter(Boolean).reverse();
  const versions: DocumentVersion[] = [];
  let previous: string | undefined;
  for (const rec of commits) {
    const [commit, name, email, date, committedAt, ...subject] = rec.replace(/^\n/, '').split('\x1f');
    const changed = await changedFiles(git, commit!);
    const candidates = changed.filter((c) => (c.status === 'A' || c.status === 'M' || c.status === 'T') && c.path !== '.gitattributes' && !c.path.startsWith('.workspace-backup/'));
    const mine = candidates.length === 1 ? candidates[0] : candidates.find((c) => c.path === doc.path);
    if (!mine || mine.mode === '120000') continue;
    // The same blob as the version before: a rename or move commit, not new content.
    if (mine.oid === previous) continue;
    previous = mine.oid;
    const lfs = (await lfsPatternsAt(cat, commit!)).has(exactPattern(mine.path)) ? await pointerOf(cat, mine.oid) : undefined;
    const size = lfs ? lfs.size : await blobSize(git, mine.oid);
    versions.push({ commit: commit!, date: date!, committedAt: committedAt!, author: { name: name!, email: email! }, subject: subject.join('\x1f'), path: mine.path, blob: mine.oid, ...(size !== undefined ? { size } : {}), ...(lfs ? { lfs } : {}) });
  }
  return versions;
}

async function changedFiles(git: Git, commit: string): Promise<Array<{ status: string; mode: string; oid: string; path: string }>> {
  const { stdout } = await git.run(['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--root', commit]);
  const parts = stdout.split('\0');
  const out: Array<{ status: string; mode: string; oid: string; path: string }> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const m = /^:\d+ (\d+) [0-9a-f]+ ([0-9a-f]+) (\w)/.exec(parts[i]!);
    if (m) out.push({ mode: m[1]!, oid: m[2]!, status: m[3]!, path: parts[i + 1]! });
  }
  return out;
}

async function blobSize(git: Git, oid: string): Promise<number | undefined> {
  const r = await git.run(['cat-file', '-s', oid], { allowFail: true, env: { GIT_NO_LAZY_FETCH: '1' } });
  return r.code === 0 ? Number(r.stdout.trim()) : undefined;
}

/** The exact-path LFS patterns of .gitattributes at a commit. */
async function lfsPatternsAt(cat: CatFileBatch, commit: string): Promise<Set<string>> {
  const got = await cat.readSmall(`${commit}:.gitattributes`);
  return lfsPatterns(got?.data.toString('utf8') ?? '');
}

async function pointerOf(cat: CatFileBatch, oid: string): Promise<{ oid: string; size: number } | undefined> {
  const got = await cat.readSmall(oid);
  return got && got.header.size <= 1024 ? parseLfsPointer(got.data) : undefined;
}

async function resolveCommit(git: Git, spec: string): Promise<string> {
  if (!/^[0-9A-Za-z._/~^@{}-]+$/.test(spec) || spec.startsWith('-')) throw new ConfigError(`--commit ${JSON.stringify(spec)} is not a commit id`);
  const sha = await git.resolve(spec);
  if (!sha) throw new ConfigError(`commit ${spec} does not exist in the backup repository ${git.dir} (see \`git log\`, or \`workspace-backup restore --list\`)`);
  return sha;
}

/** The last completed run (a manifest commit) at or before `at`. */
async function runAtOrBefore(git: Git, branch: string, at: Date): Promise<string> {
  const when = `--before=${at.toISOString()}`;
  const sha = (await git.run(['rev-list', '-1', when, `refs/heads/${branch}`, '--', manifestRoot])).stdout.trim();
  if (sha) return sha;
  const first = (await git.run(['rev-list', '--reverse', `refs/heads/${branch}`, '--', manifestRoot])).stdout.split('\n')[0]?.trim();
  const firstDate = first ? (await git.run(['show', '-s', '--format=%cI', first])).stdout.trim() : 'unknown';
  throw new ConfigError(`${at.toISOString()} is before the first backup: the first completed backup is from ${firstDate}`);
}

async function locateWorkspace(git: Git, head: string, commit: string, query: string, source: string | undefined, committedAt: string): Promise<{ source: string; ws: Entry; entries: Entry[] }> {
  const entries = await allEntries(git, commit, source);
  const workspaces = entries.filter((e) => e.kind === 'workspace');
  const pick = (list: Entry[]): Entry[] => {
    for (const match of [(e: Entry) => e.id === query, (e: Entry) => e.name === query, (e: Entry) => e.path === query || posix.basename(e.path) === query, (e: Entry) => e.name.toLowerCase() === query.toLowerCase()]) {
      const found = list.filter(match);
      if (found.length) return found;
    }
    return [];
  };
  const found = pick(workspaces);
  if (found.length > 1) {
    throw new ConfigError(`more than one workspace matches "${query}": ${found.map((w) => `${w.id} (${w.path})`).join(', ')}; give its id`);
  }
  if (found.length === 0) {
    const later = commit === head ? [] : pick((await allEntries(git, head, source)).filter((e) => e.kind === 'workspace'));
    if (later.length) throw new ConfigError(`workspace "${query}" was not in the backup yet at ${commit.slice(0, 12)} (${committedAt}): it was backed up later`);
    const known = workspaces.slice(0, 10).map((w) => `${w.id} "${w.name}"`).join(', ');
    throw new ConfigError(`no workspace "${query}" in the backup (give its id, name or path; known: ${known || 'none'})`);
  }
  const ws = found[0]!;
  if (!ws.path.split('/').every((s) => isSafeSegment(s))) throw new DamagedBackupError(`workspace ${ws.id} has an unsafe path ${JSON.stringify(ws.path)} in the manifest: run \`workspace-backup verify\``);
  return { source: ws.source, ws, entries: entries.filter((e) => e.source === ws.source && e.container === ws.id) };
}

/** A repo-relative POSIX path from what the user typed (an absolute path inside the working tree is made relative). */
function normalizeRepoPath(p: string, repoDir: string): string {
  if (isAbsolute(p)) {
    const rel = relative(resolve(repoDir), p);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) p = rel;
  }
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

// ——— writing ———

/** Resolves and creates the output folder; refuses one inside the backup repository. */
async function outputFolder(git: Git, to: string): Promise<string> {
  if (!to) throw new ConfigError('name an output folder (--to <folder>)');
  const out = resolve(to);
  const top = (await git.run(['rev-parse', '--show-toplevel'], { allowFail: true })).stdout.trim();
  const gitDir = (await git.run(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  for (const inside of [top, gitDir].filter(Boolean)) {
    const rel = relative(inside, out);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new ConfigError(`the output folder ${out} is inside the backup repository ${inside}: choose a folder outside it (restoring into the repository would mix restored files with the backup)`);
    }
  }
  const st = await lstat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw new ConfigError(`the output ${out} exists and is not a folder`);
  await mkdir(out, { recursive: true });
  return out;
}

/** A path segment as written to disk: kept when safe, else made safe (a tampered repo's "..", "/" or control characters). */
function outputSegment(segment: string): string {
  return isSafeSegment(segment) ? segment : safeSegment(segment);
}

/**
 * The absolute path for a repo-relative path under `root`: each segment made safe (a hostile or tampered name becomes
 * a safe one), folders created without following symbolic links, the result proven to be inside root.
 */
async function prepareTarget(root: string, relPath: string, force: boolean): Promise<string> {
  const segments = relPath.split('/').filter((s) => s !== '').map(outputSegment);
  if (segments.length === 0) throw new DamagedBackupError(`empty path ${JSON.stringify(relPath)}`);
  const target = resolve(root, ...segments);
  if (!target.startsWith(root + sep)) throw new DamagedBackupError(`refusing to write ${JSON.stringify(relPath)} outside ${root}`);
  let dir = root;
  for (const seg of segments.slice(0, -1)) {
    dir = join(dir, seg);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) await mkdir(dir);
    else if (st.isSymbolicLink() || !st.isDirectory()) throw new ConfigError(`${dir} is in the way (a ${st.isSymbolicLink() ? 'symbolic link' : 'file'} where a folder goes): remove it or choose another output folder`);
  }
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new ConfigError(`${target} is a folder: remove it or choose another output folder`);
  if (existing && !force) throw new ConfigError(`${target} already exists: pass --force to overwrite it, or choose another output folder`);
  return target;
}

/** Streams a blob (or the LFS object its pointer names, checked against the pointer) to `target` via a temp file. */
async function writeVersion(cat: CatFileBatch, gitDir: string, src: { oid: string; lfs?: { oid: string; size: number } }, target: string): Promise<{ size: number; sha256: string; lfs: boolean }> {
  const temp = join(target, '..', `.${posix.basename(target).slice(0, 100)}.restore-${randomBytes(4).toString('hex')}`);
  const out = createWriteStream(temp, { flags: 'wx' });
  const closed = once(out, 'close');
  closed.catch(() => {}); // handled where it is awaited; this only keeps an early error from going unhandled
  const hash = createHash('sha256');
  let size = 0;
  const write = async (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), closed]);
  };
  try {
    if (src.lfs) {
      const object = lfsObjectPath(gitDir, src.lfs.oid);
      if (!existsSync(object)) {
        throw new DamagedBackupError(
          `the LFS object ${src.lfs.oid} (${src.lfs.size} bytes) is not in ${join(gitDir, 'lfs', 'objects')}: fetch it with \`git lfs fetch --all\` in the backup repository (or \`git lfs fetch origin --include=<path>\`), then restore again`,
        );
      }
      for await (const chunk of createReadStream(object, { highWaterMark: 1024 * 1024 })) await write(chunk as Buffer);
    } else {
      const header = await cat.read(src.oid, write);
      if (!header) throw new DamagedBackupError(`the blob ${src.oid} is not in the repository: run \`git fetch\` (in a partial clone) or \`workspace-backup verify\``);
    }
    out.end();
    await closed;
    if (out.errored) throw out.errored;
    const sha256 = hash.digest('hex');
    if (src.lfs && (sha256 !== src.lfs.oid || size !== src.lfs.size)) {
      throw new DamagedBackupError(`the LFS object ${src.lfs.oid} is damaged (it hashes to ${sha256}, ${size} bytes): delete it, fetch it again with \`git lfs fetch --all\`, and run \`workspace-backup verify --read-data\``);
    }
    await rename(temp, target);
    return { size, sha256, lfs: src.lfs !== undefined };
  } catch (e) {
    // The stream opens its file asynchronously: wait until it has closed, or the file could appear after the rm.
    out.destroy();
    await closed.catch(() => {});
    await rm(temp, { force: true });
    throw e;
  }
}
