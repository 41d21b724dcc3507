// Reads what the site needs from the backup repo at one commit: manifests, run reports, and every document's history in one git log pass.

import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { entryFromLine, type Entry } from '../entry.ts';
import { manifestRoot } from '../manifest.ts';
import type { Git } from '../store/git.ts';
import { readBlobs } from './blobs.ts';
import { readNodeRefs } from './relations.ts';
import { siteTitle } from './sources.ts';
import type { SiteInput, SiteVersion } from './types.ts';

const runsRoot = '.workspace-backup/runs';

export async function loadSiteInput(git: Git, ref: string, opts: { title?: string; links: SiteInput['links'] }): Promise<SiteInput> {
  const commit = await git.resolve(ref);
  if (!commit) throw new Error(`${ref} is not a commit in ${git.dir}: nothing to render (has a backup run yet?)`);
  const files = (await git.run(['ls-tree', '-r', '-z', '--name-only', commit, '--', '.workspace-backup/'])).stdout.split('\0').filter(Boolean);
  const manifestFiles = files.filter((f) => f.startsWith(manifestRoot + '/') && f.endsWith('.jsonl') && f.split('/').length === 4);
  const runFiles = files.filter((f) => f.startsWith(runsRoot + '/') && f.endsWith('.json')).sort();
  const blobs = await readBlobs(git, [...manifestFiles, ...runFiles].map((f) => `${commit}:${f}`));

  const entries: Entry[] = [];
  for (const file of manifestFiles) {
    const source = file.split('/')[2]!;
    const text = blobs.get(`${commit}:${file}`)?.toString('utf8') ?? '';
    text.split('\n').forEach((line, i) => {
      if (line.trim()) entries.push(entryFromLine(line, source, `${file}:${i + 1}`));
    });
  }
  const runs: Array<Record<string, unknown>> = [];
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

  const lfsIds = new Set(entries.filter((e) => e.lfs).map((e) => e.id));
  // Items added in bulk (records of a database, one commit per container) are found by the path they were added at.
  const idAtPath = new Map(entries.filter((e) => e.kind === 'document').map((e) => [e.path, e.id]));
  const history = await readHistory(git, commit, idAtPath);
  await addSizes(git, history, lfsIds);
  const refs = await readNodeRefs(git, commit, entries);
  return {
    title: opts.title ?? siteTitle(entries.map((e) => e.source)),
    entries,
    ...(refs.size > 0 ? { refs } : {}),
    history: new Map([...history].map(([id, versions]) => [id, versions.map(({ blob: _blob, ...v }) => v)])),
    runs,
    generatedAt: new Date().toISOString(),
    links: opts.links,
  };
}

interface RawVersion extends SiteVersion {
  blob?: string;
}

/**
 * Every commit reachable from `commit` that carries a Document-Id trailer, grouped by document, newest first; with
 * `idAtPath`, also each file a bulk commit (an Items-Added trailer) added, as a version of the item now at that path.
 * One `git log --raw` streamed and parsed as it comes; rename detection is off, so git never reads blob content
 * (a blobless clone is enough). Fields are separated by a random token no user-given name can contain.
 */
export async function readHistory(git: Git, commit: string, idAtPath?: Map<string, string>): Promise<Map<string, RawVersion[]>> {
  const token = randomBytes(12).toString('hex');
  const rs = `\x1e${token}\x1f`;
  const fs = `\x1d${token}\x1d`;
  const format = [`%x1e${token}%x1f%H`, '%aI', '%an', '%(trailers:key=Document-Id,valueonly=true,separator=%x2C)', '%s', '%(trailers:key=Items-Added,valueonly=true)', 'END'].join(`%x1d${token}%x1d`);
  const child = git.spawn(['log', '--no-renames', '--raw', '--no-abbrev', '-z', '--no-color', `--format=${format}`, commit, '--']);
  const history = new Map<string, RawVersion[]>();
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (record: string) => {
    const parts = record.split(fs);
    if (parts.length < 7) return;
    const [hash, date, author, ids, subject, bulk] = parts as [string, string, string, string, string, string];
    const docIds = ids.split(',').map((s) => s.trim()).filter(Boolean);
    const raw = parts.slice(6).join(fs).replace(/^END/, '');
    if (docIds.length === 0 && bulk.trim() && idAtPath) {
      for (const add of rawAdds(raw)) {
        const id = idAtPath.get(add.path);
        if (id === undefined) continue;
        const v: RawVersion = { commit: hash, date, author, message: subject, change: 'content', path: add.path, blob: add.blob };
        const list = history.get(id);
        if (list) list.push(v);
        else history.set(id, [v]);
      }
      return;
    }
    if (docIds.length === 0) return;
    const version = parseRaw(raw);
    for (const id of docIds) {
      const v: RawVersion = { commit: hash, date, author, message: subject, change: version.change };
      if (version.path !== undefined) v.path = version.path;
      if (version.blob !== undefined) v.blob = version.blob;
      const list = history.get(id);
      if (list) list.push(v);
      else history.set(id, [v]);
    }
  };
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  child.stdin.end();
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    pending += decoder.write(chunk);
    let start = 0;
    for (;;) {
      const next = pending.indexOf(rs, start + 1);
      if (next === -1) break;
      if (pending.startsWith(rs, start)) take(pending.slice(start + rs.length, next));
      start = next;
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.startsWith(rs)) take(pending.slice(rs.length));
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`git log failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8').trim()}`);
  return history;
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
async function addSizes(git: Git, history: Map<string, RawVersion[]>, lfsIds: Set<string>): Promise<void> {
  const wanted = new Set<string>();
  for (const versions of history.values()) for (const v of versions) if (v.blob) wanted.add(v.blob);
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
