// Proves a backup repository against its own manifest (restic's `check`): structure always, every byte with readData.
//
// Phases: manifest (parses, no duplicate ids, safe paths) → tree (every entry's file is there, no unknown file under a
// source's folder, sizes from object headers, LFS pointers and .gitattributes) → state cache (a warning when stale) →
// readData (every blob streamed through one `git cat-file --batch` and hashed, every LFS object read and hashed).
// Never writes to the repo, never fetches: a blobless clone's missing blobs are reported, not downloaded.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../lib/errors.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { isSafeSegment } from '../lib/safe-path.ts';
import { entryFromLine, entryToLine, type Entry } from './entry.ts';
import { manifestRoot } from './manifest.ts';
import { linkFileContent } from './paths.ts';
import { CatFileBatch, isPartialClone, listTree, missingObjects, objectSizes, parseLfsPointer, type TreeFile } from './store/cat-file.ts';
import { Git } from './store/git.ts';
import { exactPattern, lfsObjectPath } from './store/lfs.ts';

export type Severity = 'error' | 'warning';

export type ProblemKind =
  | 'manifest-missing'
  | 'manifest-unreadable'
  | 'duplicate-id'
  | 'duplicate-path'
  | 'unsafe-path'
  | 'missing-file'
  | 'not-a-file'
  | 'unknown-file'
  | 'size-mismatch'
  | 'content-mismatch'
  | 'missing-blob'
  | 'not-lfs-pointer'
  | 'lfs-pointer-mismatch'
  | 'gitattributes-missing'
  | 'missing-lfs-object'
  | 'lfs-object-corrupt'
  | 'state-stale'
  | 'state-unreadable';

export interface Problem {
  kind: ProblemKind;
  /** error: the backup does not hold what it says (ok becomes false); warning: a cache or cosmetic issue. */
  severity: Severity;
  path?: string;
  id?: string;
  source?: string;
  detail: string;
  /** What the user should do next. */
  fix: string;
}

export interface VerifyReport {
  /** No problem of severity error. */
  ok: boolean;
  repoDir: string;
  branch: string;
  head: string;
  readData: boolean;
  sources: string[];
  checked: {
    /** Manifest entries read (every kind). */
    entries: number;
    /** Document and link files found in the tree and checked. */
    files: number;
    /** LFS objects checked (present and of the right size; with readData, hashed). */
    lfsObjects: number;
    /** Bytes read and hashed (readData only; 0 for the cheap check). */
    bytes: number;
    /** Blobs a partial clone does not hold locally; the cheap check skips their sizes. */
    notLocal: number;
  };
  problems: Problem[];
}

export interface VerifyOptions {
  repoDir: string;
  /** Default: main, or the branch HEAD names when there is no main. */
  branch?: string;
  /** The state database; default <gitdir>/workspace-backup/state.db. */
  statePath?: string;
  readData?: boolean;
  /**
   * A working copy that holds only what it needs (the Action's blobless, sparse clone without LFS objects): git blobs
   * and LFS objects that are not local are counted in `checked.notLocal`, not reported, since the remote holds them.
   */
  objectsMayBeRemote?: boolean;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
}

/** The backup's data is missing or damaged (verify found errors, or restore cannot produce the right bytes). */
export class DamagedBackupError extends Error {
  override name = 'DamagedBackupError';
}

const fixResync = 'run `workspace-backup sync --full-resync`: it downloads every document again and commits the right bytes';
const fixLfsFetch = 'fetch the LFS objects with `git lfs fetch --all` in the backup repository (or restore them from another clone), then verify again';
const fixState = 'nothing to do: the state file is only a cache, and the next sync rebuilds it from the manifest';

/** Opens the repo and finds the branch to check; a clear ConfigError when there is no backup there. */
export async function openBackup(repoDir: string, branch: string | undefined, logger: Logger = silentLogger): Promise<{ git: Git; gitDir: string; branch: string; head: string }> {
  if (!existsSync(repoDir)) throw new ConfigError(`nothing backed up yet at ${repoDir}: the folder does not exist (run \`workspace-backup sync\` first, or check --repo / repo-path)`);
  const git = new Git(repoDir, logger);
  const top = await git.run(['rev-parse', '--absolute-git-dir'], { allowFail: true });
  if (top.code !== 0) throw new ConfigError(`nothing backed up yet at ${repoDir}: it is not a git repository (run \`workspace-backup sync\` first, or check --repo / repo-path)`);
  const gitDir = top.stdout.trim();
  let name = branch;
  if (!name) {
    if (await git.resolve('refs/heads/main')) name = 'main';
    else name = (await git.run(['symbolic-ref', '-q', '--short', 'HEAD'], { allowFail: true })).stdout.trim() || 'main';
  }
  const head = await git.resolve(`refs/heads/${name}`);
  if (!head) throw new ConfigError(`nothing backed up yet at ${repoDir}: branch ${name} has no commit (run \`workspace-backup sync\` first, or name the branch)`);
  return { git, gitDir, branch: name, head };
}

/** The patterns that .gitattributes gives the LFS filter (the tool writes one exact pattern per LFS path). */
export function lfsPatterns(gitattributes: string): Set<string> {
  const set = new Set<string>();
  for (const line of gitattributes.split('\n')) {
    const m = /^(\S+)\s.*\bfilter=lfs\b/.exec(line.trim());
    if (m) set.add(m[1]!);
  }
  return set;
}

/**
 * Every manifest entry at `commit`, read through one cat-file process. A line that does not parse goes to `onBadLine`
 * (default: throw DamagedBackupError); a manifest blob not stored locally goes to `onMissing` (default: the same).
 */
export async function readEntriesAt(
  git: Git,
  cat: CatFileBatch,
  commit: string,
  opts: { source?: string; missing?: Set<string>; onBadLine?: (file: string, source: string, line: number, text: string, error: Error) => void; onMissing?: (file: TreeFile, source: string) => void } = {},
): Promise<{ entries: Entry[]; files: Array<{ source: string; path: string }> }> {
  const r = await git.run(['ls-tree', '-r', '-z', commit, '--', manifestRoot + '/'], { allowFail: true });
  const tree: TreeFile[] = [];
  for (const rec of r.code === 0 ? r.stdout.split('\0') : []) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (m) tree.push({ mode: m[1]!, type: m[2]!, oid: m[3]!, path: m[4]! });
  }
  const entries: Entry[] = [];
  const files: Array<{ source: string; path: string }> = [];
  for (const f of tree) {
    if (f.type !== 'blob' || !f.path.endsWith('.jsonl')) continue;
    const rest = f.path.slice(manifestRoot.length + 1).split('/');
    if (rest.length !== 2) continue;
    const source = rest[0]!;
    if (opts.source && source !== opts.source) continue;
    files.push({ source, path: f.path });
    const got = opts.missing?.has(f.oid) ? undefined : await cat.readSmall(f.oid);
    if (!got) {
      if (opts.onMissing) opts.onMissing(f, source);
      else throw new DamagedBackupError(`the manifest file ${f.path} (blob ${f.oid}) is not in the repository: run \`git fetch\` or \`workspace-backup verify\``);
      continue;
    }
    got.data.toString('utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        entries.push(entryFromLine(line, source, `${f.path}:${i + 1}`));
      } catch (e) {
        if (!opts.onBadLine) throw new DamagedBackupError(`the manifest at ${commit.slice(0, 12)} cannot be read (${(e as Error).message}): run \`workspace-backup verify\` to see what is damaged`);
        opts.onBadLine(f.path, source, i + 1, line, e as Error);
      }
    });
  }
  return { entries, files };
}

export async function verifyBackup(opts: VerifyOptions): Promise<VerifyReport> {
  const log = opts.logger ?? silentLogger;
  const readData = opts.readData ?? false;
  const { git, gitDir, branch, head } = await openBackup(opts.repoDir, opts.branch, log);
  const problems: Problem[] = [];
  const checked = { entries: 0, files: 0, lfsObjects: 0, bytes: 0, notLocal: 0 };

  const tree = await listTree(git, head);
  const byPath = new Map(tree.map((f) => [f.path, f]));
  const dirs = new Set<string>();
  for (const f of tree) for (let d = posix.dirname(f.path); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  // A partial clone promises objects it does not hold; asking cat-file about them would fetch (and may hang).
  const missing = (await isPartialClone(git)) ? await missingObjects(git, head) : new Set<string>();
  const partial = missing.size > 0;
  const cat = CatFileBatch.start(git, { noLazyFetch: true });
  try {
    // 1. Manifest.
    const { entries, files } = await readEntriesAt(git, cat, head, {
      missing,
      onMissing: (f, source) =>
        problems.push({
          kind: 'missing-blob',
          severity: 'error',
          path: f.path,
          source,
          detail: `the manifest file ${f.path} (blob ${f.oid}) is not in the local object store`,
          fix: 'run `git fetch` (or verify in a full clone of the backup repository)',
        }),
      onBadLine: (file, source, line, text, e) =>
        problems.push({
          kind: 'manifest-unreadable',
          severity: 'error',
          path: file,
          source,
          detail: `line ${line} of ${file} cannot be read (${e.message}): ${JSON.stringify(text.length > 120 ? text.slice(0, 120) + '…' : text)}`,
          fix: `repair or remove that line with git (\`git log -p -- "${file}"\` shows what it was), then ${fixResync}`,
        }),
    });
    const sources = [...new Set(files.map((f) => f.source))].sort();
    checked.entries = entries.length;
    if (files.length === 0) {
      problems.push({
        kind: 'manifest-missing',
        severity: 'error',
        detail: `branch ${branch} at ${head.slice(0, 12)} has no manifest under ${manifestRoot}/: nothing says what this backup should hold`,
        fix: 'check that --repo / repo-path names the backup repository; if it is, run `workspace-backup sync` to write the manifest',
      });
    }
    const seen = new Map<string, Entry>();
    const fileOwners = new Map<string, Entry>();
    const roots = new Set<string>();
    const fileEntries: Entry[] = [];
    for (const e of entries) {
      const key = `${e.source}\0${e.id}`;
      if (seen.has(key)) {
        problems.push({
          kind: 'duplicate-id',
          severity: 'error',
          id: e.id,
          source: e.source,
          path: e.path,
          detail: `${e.source} item ${e.id} is in the manifest twice (${seen.get(key)!.path} and ${e.path})`,
          fix: `remove the stale line from ${manifestRoot}/${e.source}/ with git, then ${fixResync}`,
        });
        continue;
      }
      seen.set(key, e);
      const segments = e.path.split('/');
      if (!segments.every((s) => isSafeSegment(s)) || e.path.startsWith('/')) {
        problems.push({
          kind: 'unsafe-path',
          severity: 'error',
          id: e.id,
          source: e.source,
          path: e.path,
          detail: `${e.kind} ${e.id} has the path ${JSON.stringify(e.path)}, which is not a safe repository path (it could escape the folder it is restored into, or mean something to git)`,
          fix: 'do not check this repository out on a shared machine; report it as a bug in workspace-backup, and remove the file and its manifest line with git',
        });
        continue;
      }
      roots.add(segments[0]!);
      if (e.kind !== 'document' && e.kind !== 'link') continue;
      const owner = fileOwners.get(e.path);
      if (owner) {
        problems.push({
          kind: 'duplicate-path',
          severity: 'error',
          id: e.id,
          source: e.source,
          path: e.path,
          detail: `${e.kind} ${e.id} and ${owner.kind} ${owner.id} both claim ${e.path}: one of them has lost its bytes`,
          fix: fixResync,
        });
        continue;
      }
      fileOwners.set(e.path, e);
      fileEntries.push(e);
    }

    // 2. Tree: every entry's file is there, and nothing under a source's folder is unaccounted for.
    for (const f of tree) {
      if (f.path === '.gitattributes' || f.path.startsWith('.workspace-backup/')) continue;
      if (!roots.has(f.path.split('/')[0]!)) continue;
      if (fileOwners.has(f.path)) continue;
      problems.push({
        kind: 'unknown-file',
        severity: 'error',
        path: f.path,
        detail: `${f.path} is in the backup tree but in no manifest: it was not written by workspace-backup (or its manifest line is lost)`,
        fix: `if a person added it, move it out of the backup's folders with git (\`git rm --cached\`, commit); if it is a lost document, ${fixResync}`,
      });
    }
    const attributes = byPath.get('.gitattributes');
    const attrText = attributes && !missing.has(attributes.oid) ? ((await cat.readSmall(attributes.oid))?.data.toString('utf8') ?? '') : '';
    const lfsPaths = lfsPatterns(attrText);
    const present = fileEntries.map((e) => byPath.get(e.path)).filter((f): f is TreeFile => f !== undefined && !missing.has(f.oid));
    const sizes = await objectSizes(git, present.map((f) => f.oid));
    const lfsChecks: Array<{ e: Entry; oid: string; size: number }> = [];
    const blobChecks: Array<{ e: Entry; f: TreeFile }> = [];
    for (const e of fileEntries) {
      const f = byPath.get(e.path);
      const where = { id: e.id, source: e.source, path: e.path };
      const lost = e.deletedAt
        ? `it was deleted in ${e.source} (noticed ${e.deletedAt}), so only the history can bring it back: \`workspace-backup restore --id ${e.id} --to <folder>\`, then commit it back at ${e.path} with git`
        : fixResync;
      if (!f) {
        problems.push({
          kind: 'missing-file',
          severity: 'error',
          ...where,
          detail: `${e.kind} ${e.id} (${e.name}) should be at ${e.path}, but ${dirs.has(e.path) ? 'that is a folder' : 'there is no such file'} in the tree of ${branch}`,
          fix: lost,
        });
        continue;
      }
      if (f.type !== 'blob' || (f.mode !== '100644' && f.mode !== '100755')) {
        problems.push({ kind: 'not-a-file', severity: 'error', ...where, detail: `${e.path} is a ${f.mode === '120000' ? 'symbolic link' : f.type} (mode ${f.mode}), not a file`, fix: lost });
        continue;
      }
      checked.files++;
      if (missing.has(f.oid)) {
        checked.notLocal++;
        if ((readData || !partial) && !opts.objectsMayBeRemote) problems.push(missingBlob(e, f));
        continue;
      }
      const size = sizes.get(f.oid);
      if (size === undefined) {
        problems.push(missingBlob(e, f));
        continue;
      }
      if (e.lfs) {
        const pointer = size <= 1024 ? parseLfsPointer((await cat.readSmall(f.oid))?.data ?? '') : undefined;
        if (!pointer) {
          problems.push({ kind: 'not-lfs-pointer', severity: 'error', ...where, detail: `${e.path} should be a git LFS pointer (the manifest says LFS) but is a ${size}-byte file`, fix: fixResync });
          continue;
        }
        if (pointer.oid !== e.sha256 || (e.size !== undefined && pointer.size !== e.size)) {
          problems.push({
            kind: 'lfs-pointer-mismatch',
            severity: 'error',
            ...where,
            detail: `the LFS pointer at ${e.path} names ${pointer.oid.slice(0, 12)}… (${pointer.size} bytes), the manifest ${e.sha256?.slice(0, 12)}… (${e.size} bytes)`,
            fix: fixResync,
          });
          continue;
        }
        if (!lfsPaths.has(exactPattern(e.path))) {
          problems.push({
            kind: 'gitattributes-missing',
            severity: 'error',
            ...where,
            detail: `.gitattributes has no LFS pattern for ${e.path}: a checkout shows the pointer text instead of the file`,
            fix: `add the line \`${exactPattern(e.path)} filter=lfs diff=lfs merge=lfs -text\` to .gitattributes inside the workspace-backup block and commit it`,
          });
        }
        lfsChecks.push({ e, oid: pointer.oid, size: pointer.size });
        continue;
      }
      const expected = e.kind === 'link' ? Buffer.byteLength(linkFileContent(e.url)) : e.size;
      if (expected !== undefined && size !== expected) {
        problems.push({ kind: 'size-mismatch', severity: 'error', ...where, detail: `${e.path} is ${size} bytes in git, the manifest says ${expected}`, fix: lost });
        continue;
      }
      blobChecks.push({ e, f });
    }

    // LFS objects: present with the right size (cheap), and hashed with readData.
    const total = blobChecks.length + lfsChecks.length;
    let done = 0;
    for (const { e, oid, size } of lfsChecks) {
      const file = lfsObjectPath(gitDir, oid);
      const st = await stat(file).catch(() => undefined);
      const where = { id: e.id, source: e.source, path: e.path };
      if (!st && opts.objectsMayBeRemote) {
        checked.notLocal++;
        if (readData) opts.onProgress?.(++done, total);
        continue;
      }
      checked.lfsObjects++;
      if (!st) {
        problems.push({ kind: 'missing-lfs-object', severity: 'error', ...where, detail: `the LFS object ${oid} of ${e.path} is not in ${join(gitDir, 'lfs', 'objects')}`, fix: fixLfsFetch });
      } else if (st.size !== size) {
        problems.push({ kind: 'lfs-object-corrupt', severity: 'error', ...where, detail: `the LFS object of ${e.path} is ${st.size} bytes, its pointer says ${size}`, fix: lfsCorruptFix(file) });
      } else if (readData) {
        const got = await hashFile(file);
        checked.bytes += got.size;
        if (got.sha256 !== oid) {
          problems.push({ kind: 'lfs-object-corrupt', severity: 'error', ...where, detail: `the LFS object of ${e.path} hashes to ${got.sha256}, not ${oid}`, fix: lfsCorruptFix(file) });
        }
      }
      if (readData) opts.onProgress?.(++done, total);
    }

    // 3. readData: every blob of the tree streamed and hashed (one cat-file process), LFS pointers outside the manifest too.
    if (readData) {
      for (const { e, f } of blobChecks) {
        const hash = createHash('sha256');
        let size = 0;
        const header = await cat.read(f.oid, (c) => {
          hash.update(c);
          size += c.length;
        });
        checked.bytes += size;
        opts.onProgress?.(++done, total);
        if (!header) {
          problems.push(missingBlob(e, f));
          continue;
        }
        const sha = hash.digest('hex');
        const want = e.kind === 'link' ? createHash('sha256').update(linkFileContent(e.url)).digest('hex') : e.sha256;
        if (want !== undefined && sha !== want) {
          problems.push({
            kind: 'content-mismatch',
            severity: 'error',
            id: e.id,
            source: e.source,
            path: e.path,
            detail: `the bytes of ${e.path} hash to ${sha}, the manifest says ${want}`,
            fix: e.deletedAt ? `it was deleted in ${e.source}: restore an earlier version with \`workspace-backup restore --id ${e.id} --list\`` : fixResync,
          });
        }
      }
      const claimed = new Set(fileEntries.map((e) => e.path));
      const small = tree.filter((f) => f.type === 'blob' && !claimed.has(f.path) && !missing.has(f.oid));
      const smallSizes = await objectSizes(git, small.map((f) => f.oid));
      for (const f of small) {
        if ((smallSizes.get(f.oid) ?? Infinity) > 1024) continue;
        const pointer = parseLfsPointer((await cat.readSmall(f.oid))?.data ?? '');
        if (!pointer) continue;
        if (opts.objectsMayBeRemote && !existsSync(lfsObjectPath(gitDir, pointer.oid))) {
          checked.notLocal++;
          continue;
        }
        checked.lfsObjects++;
        if (!existsSync(lfsObjectPath(gitDir, pointer.oid))) {
          problems.push({ kind: 'missing-lfs-object', severity: 'error', path: f.path, detail: `${f.path} is an LFS pointer to ${pointer.oid}, which is not in the local LFS store`, fix: fixLfsFetch });
        }
      }
    } else {
      opts.onProgress?.(total, total);
    }

    // 4. The state cache.
    checkState(opts.statePath ?? join(gitDir, 'workspace-backup', 'state.db'), head, entries, sources, problems);

    return { ok: !problems.some((p) => p.severity === 'error'), repoDir: opts.repoDir, branch, head, readData, sources, checked, problems };
  } finally {
    await cat.close();
  }
}

function missingBlob(e: Entry, f: TreeFile): Problem {
  return {
    kind: 'missing-blob',
    severity: 'error',
    id: e.id,
    source: e.source,
    path: e.path,
    detail: `the blob ${f.oid} of ${e.path} is not in the local object store`,
    fix: 'in a partial (blobless) clone, run `git fetch --refetch` or verify in a full clone; in a full clone the object is lost: run `workspace-backup sync --full-resync`',
  };
}

function lfsCorruptFix(file: string): string {
  return `delete ${file} and fetch it again with \`git lfs fetch --all\`; if no other copy has it, ${fixResync}`;
}

async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The state cache must describe the branch head and hold the manifest's entries; anything else is a warning. */
function checkState(file: string, head: string, entries: Entry[], sources: string[], problems: Problem[]): void {
  if (!existsSync(file)) return;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    // Each source records the commit its entries match (several sources share the repo); only those at the
    // branch's commit are compared entry by entry.
    const heads = new Map((db.prepare("SELECT key, value FROM meta WHERE key LIKE 'repo_head:%'").all() as Array<{ key: string; value: string }>).map((r) => [r.key.slice('repo_head:'.length), r.value]));
    const stale = sources.filter((src) => heads.get(src) !== head);
    for (const src of stale) {
      problems.push({
        kind: 'state-stale',
        severity: 'warning',
        path: file,
        detail: `the state file records commit ${heads.get(src)?.slice(0, 12) ?? '(none)'} for ${src}, the branch is at ${head.slice(0, 12)}`,
        fix: fixState,
      });
    }
    const current = sources.filter((src) => !stale.includes(src));
    if (current.length === 0) return;
    const rows = db.prepare('SELECT source, id, line FROM entries').all() as Array<{ source: string; id: string; line: string }>;
    const inManifest = new Map(entries.filter((e) => current.includes(e.source)).map((e) => [`${e.source}\0${e.id}`, entryToLine(e)]));
    const inState = new Map(rows.map((r) => [`${r.source}\0${r.id}`, r.line]));
    const differ: string[] = [];
    for (const [k, line] of inManifest) if (inState.get(k) !== line) differ.push(k.split('\0')[1]!);
    for (const k of inState.keys()) if (!inManifest.has(k) && current.includes(k.split('\0')[0]!)) differ.push(k.split('\0')[1]!);
    if (differ.length > 0) {
      problems.push({
        kind: 'state-stale',
        severity: 'warning',
        path: file,
        detail: `the state file matches commit ${head.slice(0, 12)} but ${differ.length} of its entries differ from the manifest (ids ${differ.slice(0, 5).join(', ')}${differ.length > 5 ? ', …' : ''})`,
        fix: `delete ${file}: it is only a cache, and the next sync rebuilds it from the manifest`,
      });
    }
  } catch (e) {
    problems.push({ kind: 'state-unreadable', severity: 'warning', path: file, detail: `the state file cannot be read: ${(e as Error).message}`, fix: fixState });
  } finally {
    db?.close();
  }
}
