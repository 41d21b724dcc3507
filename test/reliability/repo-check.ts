// Reads a backup repo back and judges it against the Projectplace simulator: no wrong byte, no lost document, safe
// paths, and (after a clean run) equal to the simulator's current state. Shared by the fault, hostile-input and crash
// campaigns (tests and scripts). Independent of the engine's code: it parses the manifest and LFS pointers itself.
//
// API:
//   snapshotRepo(repoDir, ref?)            → RepoSnapshot: head, every file (path → blob, sha256 of the real bytes with
//                                            LFS pointers resolved from .git/lfs/objects), the manifest by id, and
//                                            per-document history (every sha256 the manifest ever gave it on the branch)
//   checkCommittedBytes(snapshot, sim)      → wrong bytes / missing files / unknown files at the head, and history
//                                            hashes the simulator never served
//   compareWithSim(snapshot, sim)           → every difference between the head and the simulator's current state
//   lostSince(before, after, sim)           → documents backed up before that are gone or wrongly marked deleted now
//   unsafePaths(snapshot)                   → paths with a segment isSafeSegment refuses
//   checkRepoAgainstSim(repoDir, sim)       → all of the above for the head, in one object

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isSafeSegment } from '../../src/lib/safe-path.ts';
import type { DocumentVersions, SimControl, SimDump } from '../../src/sim/control-client.ts';

export interface ManifestEntry {
  id: string;
  kind: 'workspace' | 'folder' | 'document' | 'link';
  name: string;
  path: string;
  parent: string | null;
  container: string;
  sha256?: string;
  size?: number;
  lfs?: boolean;
  url?: string;
  deletedAt?: string;
  archivedAt?: string;
  version?: string;
}

export interface RepoFile {
  path: string;
  mode: string;
  blob: string;
  /** sha256 of the real content: the blob's bytes, or for an LFS pointer the object it points to. Undefined when that object is absent. */
  sha256: string | undefined;
  size: number;
  lfs: boolean;
  /** For LFS pointers: the oid the pointer names (the object's sha256 must equal it). */
  lfsOid?: string;
}

export interface RepoSnapshot {
  repoDir: string;
  head: string | undefined;
  files: Map<string, RepoFile>;
  manifest: Map<string, ManifestEntry>;
  /** Document id → every sha256 the manifest gave it on the branch, oldest first, without repeats. */
  history: Map<string, string[]>;
}

const manifestDir = '.workspace-backup/manifest/';

function git(repoDir: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function resolveRef(repoDir: string, ref: string): string | undefined {
  try {
    return git(repoDir, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Reads many blobs through one `git cat-file --batch`. */
async function readBlobs(repoDir: string, ids: string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (ids.length === 0) return out;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git cat-file --batch exited ${code}`))));
  });
  child.stdin.end(ids.join('\n') + '\n');
  await done;
  const all = Buffer.concat(chunks);
  let at = 0;
  for (const id of ids) {
    const nl = all.indexOf(0x0a, at);
    const header = all.subarray(at, nl).toString('utf8');
    const m = /^([0-9a-f]+) \w+ (\d+)$/.exec(header);
    if (!m) throw new Error(`git cat-file --batch: unexpected header ${JSON.stringify(header)} for ${id}`);
    const size = Number(m[2]);
    out.set(id, all.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const pointerRe = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

function parseManifest(text: string, where: string): ManifestEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as ManifestEntry;
      } catch (e) {
        throw new Error(`${where}:${i + 1}: not JSON: ${(e as Error).message}`);
      }
    });
}

/** Every sha256 the manifest gave each document, over the commits of the branch that touched the manifest. */
async function manifestHistory(repoDir: string, head: string): Promise<Map<string, string[]>> {
  const history = new Map<string, string[]>();
  const commits = git(repoDir, ['rev-list', '--reverse', head, '--', manifestDir]).split('\n').filter(Boolean);
  for (const c of commits) {
    const changed = git(repoDir, ['diff-tree', '-r', '-z', '--no-commit-id', '--root', '--diff-filter=AM', c, '--', manifestDir])
      .split('\0')
      .filter(Boolean);
    // -z output: ":<modes> <ids> <status>\0<path>\0" pairs.
    const blobs: string[] = [];
    for (let i = 0; i + 1 < changed.length; i += 2) {
      const meta = changed[i]!.split(' ');
      blobs.push(meta[3]!);
    }
    const contents = await readBlobs(repoDir, blobs);
    for (const b of blobs) {
      for (const e of parseManifest(contents.get(b)!.toString('utf8'), `${c}:${b}`)) {
        if (e.kind !== 'document' || !e.sha256) continue;
        const list = history.get(e.id) ?? [];
        if (list.at(-1) !== e.sha256 && !list.includes(e.sha256)) list.push(e.sha256);
        history.set(e.id, list);
      }
    }
  }
  return history;
}

/** The branch head as files (real bytes hashed, LFS resolved), its manifest, and the manifest's history. */
export async function snapshotRepo(repoDir: string, ref = 'HEAD'): Promise<RepoSnapshot> {
  const snap: RepoSnapshot = { repoDir, head: undefined, files: new Map(), manifest: new Map(), history: new Map() };
  if (!existsSync(repoDir)) return snap;
  const head = resolveRef(repoDir, ref);
  if (!head) return snap;
  snap.head = head;
  const gitDir = git(repoDir, ['rev-parse', '--absolute-git-dir']).trim();
  const tree = git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', head]).split('\0').filter(Boolean);
  const rows: Array<{ path: string; mode: string; blob: string }> = [];
  for (const rec of tree) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (!m) throw new Error(`ls-tree: unexpected ${JSON.stringify(rec)}`);
    rows.push({ mode: m[1]!, blob: m[3]!, path: m[4]! });
  }
  const blobs = await readBlobs(repoDir, [...new Set(rows.map((r) => r.blob))]);
  for (const r of rows) {
    const bytes = blobs.get(r.blob)!;
    const pointer = bytes.length < 300 ? pointerRe.exec(bytes.toString('utf8')) : null;
    if (pointer) {
      const oid = pointer[1]!;
      const object = join(gitDir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
      const sha = existsSync(object) ? await fileSha256(object) : undefined;
      snap.files.set(r.path, { ...r, sha256: sha, size: Number(pointer[2]), lfs: true, lfsOid: oid });
    } else {
      snap.files.set(r.path, { ...r, sha256: sha256(bytes), size: bytes.length, lfs: false });
    }
    if (r.path.startsWith(manifestDir) && r.path.endsWith('.jsonl')) {
      for (const e of parseManifest(bytes.toString('utf8'), r.path)) snap.manifest.set(e.id, e);
    }
  }
  snap.history = await manifestHistory(repoDir, head);
  return snap;
}

/** The simulator's answers, cached per id (a document's past versions never change). */
export class SimView {
  readonly control: SimControl;
  #versions = new Map<string, Promise<DocumentVersions | undefined>>();
  #dump: Promise<SimDump> | undefined;
  constructor(control: SimControl) {
    this.control = control;
  }
  versions(id: string): Promise<DocumentVersions | undefined> {
    let p = this.#versions.get(id);
    if (!p) {
      p = this.control.versions(id);
      this.#versions.set(id, p);
    }
    return p;
  }
  /** Every sha256 the simulator ever served for this document. */
  async servedHashes(id: string): Promise<Set<string>> {
    return new Set((await this.versions(id))?.versions.map((v) => v.sha256) ?? []);
  }
  /** The simulator's current state (cached: make a new SimView after changing it). */
  state(): Promise<SimDump> {
    this.#dump ??= this.control.state();
    return this.#dump;
  }
}

function asView(sim: SimControl | SimView): SimView {
  return sim instanceof SimView ? sim : new SimView(sim);
}

export interface CommittedBytesCheck {
  /** Documents checked at the head. */
  checked: number;
  /** A file whose bytes differ from the manifest's sha256, or whose sha256 the simulator never served for that document. */
  wrongBytes: string[];
  /** A manifest document without its file, or an LFS pointer without its object. */
  missing: string[];
  /** A file under the source's folder that no manifest entry accounts for. */
  unknownFiles: string[];
  /** A sha256 the manifest gave a document at some commit that the simulator never served for it. */
  wrongInHistory: string[];
}

/** Every document file at the head has the manifest's bytes, and those are bytes the simulator served for that document. */
export async function checkCommittedBytes(snap: RepoSnapshot, simControl: SimControl | SimView): Promise<CommittedBytesCheck> {
  const sim = asView(simControl);
  const r: CommittedBytesCheck = { checked: 0, wrongBytes: [], missing: [], unknownFiles: [], wrongInHistory: [] };
  const accounted = new Map<string, string>();
  for (const e of snap.manifest.values()) {
    if (e.kind !== 'document' && e.kind !== 'link') continue;
    const other = accounted.get(e.path);
    if (other !== undefined) r.wrongBytes.push(`${e.kind} ${e.id} and item ${other} share the path ${JSON.stringify(e.path)}`);
    accounted.set(e.path, e.id);
    if (e.kind === 'link') {
      const f = snap.files.get(e.path);
      if (!f) r.missing.push(`link ${e.id} ${JSON.stringify(e.path)}: no file at the head`);
      continue;
    }
    if (!e.sha256) {
      r.wrongBytes.push(`document ${e.id} ${JSON.stringify(e.path)}: manifest entry without sha256`);
      continue;
    }
    r.checked++;
    const f = snap.files.get(e.path);
    if (!f) {
      r.missing.push(`document ${e.id} ${JSON.stringify(e.path)}: no file at the head`);
      continue;
    }
    if (f.lfs && f.sha256 === undefined) {
      r.missing.push(`document ${e.id} ${JSON.stringify(e.path)}: LFS object ${f.lfsOid} absent from .git/lfs/objects`);
      continue;
    }
    if (f.lfs && f.lfsOid !== f.sha256) r.wrongBytes.push(`document ${e.id} ${JSON.stringify(e.path)}: LFS object does not hash to its oid`);
    if (f.sha256 !== e.sha256) r.wrongBytes.push(`document ${e.id} ${JSON.stringify(e.path)}: bytes hash ${f.sha256?.slice(0, 12)}, manifest says ${e.sha256.slice(0, 12)}`);
    if (f.lfs !== Boolean(e.lfs)) r.wrongBytes.push(`document ${e.id} ${JSON.stringify(e.path)}: stored ${f.lfs ? 'in' : 'outside'} LFS, manifest says the opposite`);
    if (!(await sim.servedHashes(e.id)).has(e.sha256)) {
      r.wrongBytes.push(`document ${e.id} ${JSON.stringify(e.path)}: sha256 ${e.sha256.slice(0, 12)} is no version the service ever served for it`);
    }
  }
  for (const [id, hashes] of snap.history) {
    const served = await sim.servedHashes(id);
    for (const h of hashes) if (!served.has(h)) r.wrongInHistory.push(`document ${id}: manifest history has ${h.slice(0, 12)}, never served`);
  }
  for (const path of snap.files.keys()) {
    if (path.startsWith('.workspace-backup/') || path === '.gitattributes') continue;
    if (!accounted.has(path)) r.unknownFiles.push(path);
  }
  return r;
}

/** Paths at the head (outside the tool's own files) with a segment that isSafeSegment refuses. */
export function unsafePaths(snap: RepoSnapshot): string[] {
  const bad: string[] = [];
  for (const path of snap.files.keys()) {
    if (path.startsWith('.workspace-backup/') || path === '.gitattributes') continue;
    if (!path.split('/').every((s) => isSafeSegment(s))) bad.push(JSON.stringify(path));
  }
  for (const e of snap.manifest.values()) {
    if (!e.path.split('/').every((s) => isSafeSegment(s))) bad.push(`manifest ${e.id}: ${JSON.stringify(e.path)}`);
  }
  return bad;
}

/** Files and folders next to the repo that should not be there: `box` is a folder made for the repo alone. */
export function outsideRepo(box: string, repoName = 'repo'): string[] {
  return readdirSync(box).filter((n) => n !== repoName).map((n) => join(box, n));
}

export interface SimComparison {
  /** Live in the simulator, absent from the manifest (or present only as deleted). */
  notBackedUp: string[];
  /** Backed up with other content, name, place or archive state than the simulator has now. */
  stale: string[];
  /** In the manifest as live, gone from the simulator. */
  notMarkedDeleted: string[];
  /** A path that does not sit under its parent's path. */
  misplaced: string[];
}

export function differences(c: SimComparison): string[] {
  return [...c.notBackedUp, ...c.stale, ...c.notMarkedDeleted, ...c.misplaced];
}

/** The head against the simulator's current state: every workspace, folder, document and link, by id. */
export async function compareWithSim(snap: RepoSnapshot, simControl: SimControl | SimView): Promise<SimComparison> {
  const sim = asView(simControl);
  const dump = await sim.state();
  const c: SimComparison = { notBackedUp: [], stale: [], notMarkedDeleted: [], misplaced: [] };
  const live = new Set<string>();
  const m = snap.manifest;
  for (const w of dump.workspaces) {
    const id = String(w.id);
    live.add(id);
    const e = m.get(id);
    if (!e || e.deletedAt) {
      c.notBackedUp.push(`workspace ${id} ${JSON.stringify(w.name)}`);
      continue;
    }
    if (e.kind !== 'workspace' || e.name !== w.name) c.stale.push(`workspace ${id}: ${JSON.stringify(e.name)} in the backup, ${JSON.stringify(w.name)} in the service`);
    if (Boolean(e.archivedAt) !== w.archived) c.stale.push(`workspace ${id}: archived ${Boolean(e.archivedAt)} in the backup, ${w.archived} in the service`);
  }
  for (const item of dump.items) {
    const id = String(item.id);
    live.add(id);
    const e = m.get(id);
    if (!e || e.deletedAt) {
      c.notBackedUp.push(`${item.kind} ${id} ${JSON.stringify(item.name)}`);
      continue;
    }
    const parent = item.parentId === null ? null : String(item.parentId);
    if (e.kind !== item.kind) c.stale.push(`${item.kind} ${id}: kind ${e.kind} in the backup`);
    if (e.name !== item.name) c.stale.push(`${item.kind} ${id}: name ${JSON.stringify(e.name)} in the backup, ${JSON.stringify(item.name)} in the service`);
    if (e.parent !== parent || e.container !== String(item.workspaceId)) {
      c.stale.push(`${item.kind} ${id}: in ${e.container}/${e.parent} in the backup, ${item.workspaceId}/${parent} in the service`);
    }
    if (item.kind === 'document') {
      const v = (await sim.versions(id))?.versions.at(-1);
      if (v && e.sha256 !== v.sha256) c.stale.push(`document ${id} ${JSON.stringify(e.path)}: content ${e.sha256?.slice(0, 12)} in the backup, version ${v.verNr} (${v.sha256.slice(0, 12)}) in the service`);
    }
    if (item.kind === 'link') {
      const f = snap.files.get(e.path);
      const want = createHash('sha256').update(`[InternetShortcut]\r\nURL=${(item.url ?? '').replace(/[\r\n]/g, '')}\r\n`).digest('hex');
      if (!f || f.sha256 !== want) c.stale.push(`link ${id} ${JSON.stringify(e.path)}: file does not hold its URL`);
    }
    const dirOf = parent ?? String(item.workspaceId);
    const holder = m.get(dirOf);
    if (holder && posix.dirname(e.path) !== holder.path) c.misplaced.push(`${item.kind} ${id} at ${JSON.stringify(e.path)}, its parent at ${JSON.stringify(holder.path)}`);
  }
  for (const e of m.values()) {
    if (!e.deletedAt && !live.has(e.id)) c.notMarkedDeleted.push(`${e.kind} ${e.id} ${JSON.stringify(e.path)}`);
  }
  return c;
}

export interface LossCheck {
  /** Documents backed up before whose manifest entry or file is gone, or whose bytes are not a version the service served. */
  lost: string[];
  /** Documents backed up before, still live in the service, now marked deleted. */
  wronglyDeleted: string[];
}

/** What a run did to what was backed up before it: nothing lost, nothing live marked deleted. */
export async function lostSince(before: RepoSnapshot, after: RepoSnapshot, simControl: SimControl | SimView): Promise<LossCheck> {
  const sim = asView(simControl);
  const r: LossCheck = { lost: [], wronglyDeleted: [] };
  for (const b of before.manifest.values()) {
    if (b.kind !== 'document' || !b.sha256 || !before.files.has(b.path)) continue;
    const a = after.manifest.get(b.id);
    if (!a) {
      r.lost.push(`document ${b.id} ${JSON.stringify(b.path)}: gone from the manifest`);
      continue;
    }
    const f = after.files.get(a.path);
    if (!f || f.sha256 === undefined) {
      r.lost.push(`document ${b.id} ${JSON.stringify(a.path)}: no file (or no LFS object) at the head`);
      continue;
    }
    if (f.sha256 !== b.sha256 && !(await sim.servedHashes(b.id)).has(f.sha256)) r.lost.push(`document ${b.id} ${JSON.stringify(a.path)}: bytes replaced by bytes never served`);
    if (a.deletedAt && !b.deletedAt) {
      const v = await sim.versions(b.id);
      if (v && !v.deleted) r.wronglyDeleted.push(`document ${b.id} ${JSON.stringify(a.path)}: marked deleted, still in the service`);
    }
  }
  return r;
}

export interface RepoCheck extends CommittedBytesCheck, SimComparison {
  head: string | undefined;
  unsafePaths: string[];
  /** True when no committed byte is wrong or missing and every path is safe. */
  sound: boolean;
  /** True when sound and the head equals the simulator's current state. */
  equal: boolean;
}

/** Everything at once for the head of `repoDir`: the checker other campaigns (crash, faults) call. */
export async function checkRepoAgainstSim(repoDir: string, simControl: SimControl | SimView, ref = 'HEAD'): Promise<RepoCheck> {
  const sim = asView(simControl);
  const snap = await snapshotRepo(repoDir, ref);
  const bytes = await checkCommittedBytes(snap, sim);
  const cmp = await compareWithSim(snap, sim);
  const unsafe = unsafePaths(snap);
  const sound = bytes.wrongBytes.length + bytes.missing.length + bytes.wrongInHistory.length + bytes.unknownFiles.length + unsafe.length === 0;
  return { head: snap.head, ...bytes, ...cmp, unsafePaths: unsafe, sound, equal: sound && differences(cmp).length === 0 };
}
