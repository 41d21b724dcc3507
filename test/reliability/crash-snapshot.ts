// What the crash campaign compares: a backup repo's content and per-document history at a branch, read with git alone.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const botName = 'workspace-backup';

export interface RepoSnapshot {
  /** Every file at the branch tip (run records, manifests and `ignore` left out) → git blob id and size. */
  files: Map<string, { blob: string; size: number }>;
  /** Manifest entries by id, with detection timestamps (deletedAt, archivedAt) reduced to "present". */
  manifest: Map<string, string>;
  /** Manifest files at the tip. */
  manifestFiles: string[];
  /**
   * Per document (or link) id: its content commits along the first-parent history, oldest first, as
   * "<blob id> <author name> <author email> <author date>" (the date left out for the bot's own commits).
   */
  history: Map<string, string[]>;
  /** LFS pointer files at the tip → oid and size. */
  pointers: Map<string, { oid: string; size: number }>;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
}

/** Many objects through one `git cat-file --batch`: id → bytes. */
export function readObjects(dir: string, ids: string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (ids.length === 0) return out;
  const all = execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: ids.join('\n') + '\n', maxBuffer: 4 * 1024 * 1024 * 1024 });
  let at = 0;
  for (const id of ids) {
    const nl = all.indexOf(0x0a, at);
    const m = /^([0-9a-f]+) \w+ (\d+)$/.exec(all.subarray(at, nl).toString('utf8'));
    if (!m) throw new Error(`git cat-file --batch: no object ${id}`);
    const size = Number(m[2]);
    out.set(id, all.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
  return out;
}

function skipped(path: string, ignore: readonly string[]): boolean {
  return path.startsWith('.workspace-backup/runs/') || path.startsWith('.workspace-backup/manifest/') || ignore.includes(path);
}

/** Reads a snapshot of `ref` in the repository at `dir` (bare or not). `ignore`: paths not part of the backup (a seed README). */
export function snapshotRepo(dir: string, ref = 'refs/heads/main', ignore: readonly string[] = []): RepoSnapshot {
  const files = new Map<string, { blob: string; size: number }>();
  const manifestFiles: string[] = [];
  const pointerBlobs: Array<[string, string]> = [];
  for (const rec of git(dir, ['ls-tree', '-r', '-z', '-l', '--full-tree', ref]).split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+) +(\d+)\t(.*)$/s.exec(rec);
    if (!m) continue;
    const [, blob, size, path] = m as unknown as [string, string, string, string];
    if (path.startsWith('.workspace-backup/manifest/')) manifestFiles.push(path);
    if (skipped(path, ignore)) continue;
    files.set(path, { blob, size: Number(size) });
    if (Number(size) < 200) pointerBlobs.push([path, blob]);
  }
  const pointers = new Map<string, { oid: string; size: number }>();
  const small = readObjects(dir, [...new Set(pointerBlobs.map(([, b]) => b))]);
  for (const [path, blob] of pointerBlobs) {
    const text = small.get(blob)!.toString('utf8');
    const p = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/.exec(text);
    if (p) pointers.set(path, { oid: p[1]!, size: Number(p[2]) });
  }
  const manifest = new Map<string, string>();
  manifestFiles.sort();
  const texts = readObjects(dir, manifestFiles.map((f) => `${ref}:${f}`));
  for (const f of manifestFiles) {
    for (const line of texts.get(`${ref}:${f}`)!.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['deletedAt', 'archivedAt']) if (e[k] !== undefined) e[k] = 'present';
      manifest.set(String(e.id), `${f} ${JSON.stringify(e)}`);
    }
  }
  return { files, manifest, manifestFiles, history: documentHistory(dir, ref), pointers };
}

/** Content commits per document along the first-parent history (see RepoSnapshot.history). */
export function documentHistory(dir: string, ref: string): Map<string, string[]> {
  const history = new Map<string, string[]>();
  const log = git(dir, ['log', '--first-parent', '--reverse', '--no-renames', '--raw', '--no-abbrev', '--format=%x1e%H%x1f%an%x1f%ae%x1f%at%x1f%B%x1f', ref]);
  for (const rec of log.split('\x1e')) {
    if (!rec.trim()) continue;
    const [, name = '', email = '', date = '', body = '', raw = ''] = rec.split('\x1f');
    const id = /^(?:Document|Link)-Id: (\S+)$/m.exec(body)?.[1];
    if (!id) continue;
    const blobs: string[] = [];
    for (const line of raw.split('\n')) {
      const m = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) ([AM])\t(.*)$/.exec(line);
      if (!m) continue;
      const path = m[3]!;
      if (path === '.gitattributes' || path.startsWith('.workspace-backup/') || path.startsWith('".workspace-backup/')) continue;
      blobs.push(m[1]!);
    }
    const list = history.get(id) ?? [];
    for (const b of blobs) list.push(`${b} ${name} ${email} ${name === botName ? '(bot)' : date}`);
    history.set(id, list);
  }
  return history;
}

/** Differences between a snapshot and the reference, in words; empty when they are equal. */
export function compareSnapshots(got: RepoSnapshot, want: RepoSnapshot, limit = 8): string[] {
  const out: string[] = [];
  const note = (s: string) => {
    if (out.length < limit) out.push(s);
    else if (out.length === limit) out.push('…');
  };
  for (const [path, f] of want.files) {
    const g = got.files.get(path);
    if (!g) note(`missing ${path}`);
    else if (g.blob !== f.blob) note(`different bytes at ${path}`);
  }
  for (const path of got.files.keys()) if (!want.files.has(path)) note(`extra ${path}`);
  if (got.manifestFiles.join('\n') !== want.manifestFiles.join('\n')) note(`manifest files differ: ${got.manifestFiles.length} vs ${want.manifestFiles.length}`);
  for (const [id, line] of want.manifest) {
    const g = got.manifest.get(id);
    if (g !== line) note(`manifest entry ${id}: ${g ?? '(none)'} ≠ ${line}`);
  }
  for (const id of got.manifest.keys()) if (!want.manifest.has(id)) note(`extra manifest entry ${id}`);
  for (const [id, events] of want.history) {
    const g = got.history.get(id) ?? [];
    if (g.join('\n') !== events.join('\n')) note(`history of ${id}: [${g.join('; ')}] ≠ [${events.join('; ')}]`);
  }
  for (const id of got.history.keys()) if (!want.history.has(id)) note(`extra history for ${id}`);
  return out;
}

/** Where LFS objects live for a repository directory (bare or not). */
export function lfsObjectsDir(dir: string): string {
  return join(git(dir, ['rev-parse', '--absolute-git-dir']).trim(), 'lfs', 'objects');
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** LFS pointers at the tip whose object is absent from `objectsDir` or has other bytes. */
export async function missingLfsObjects(snap: RepoSnapshot, objectsDir: string): Promise<Array<{ path: string; oid: string; size: number }>> {
  const out: Array<{ path: string; oid: string; size: number }> = [];
  for (const [path, p] of snap.pointers) {
    const file = join(objectsDir, p.oid.slice(0, 2), p.oid.slice(2, 4), p.oid);
    if (!existsSync(file) || (await fileSha256(file)) !== p.oid) out.push({ path, ...p });
  }
  return out;
}

/**
 * Bytes of the reference that the repo does not hold: files missing or different at the tip, document versions
 * missing from the history, LFS objects missing from the store. Each counted by the size the reference gives it.
 */
export function bytesLost(got: RepoSnapshot, want: RepoSnapshot, wantDir: string, lfsMissing: Array<{ size: number }>): number {
  let lost = 0;
  const sizeOf = (blob: string) => Number(git(wantDir, ['cat-file', '-s', blob]).trim());
  const wantPointers = new Map([...want.pointers.values()].map((p) => [p.oid, p.size]));
  for (const [path, f] of want.files) {
    const g = got.files.get(path);
    if (g?.blob === f.blob) continue;
    lost += want.pointers.get(path)?.size ?? f.size;
  }
  for (const [id, events] of want.history) {
    const held = new Set((got.history.get(id) ?? []).map((e) => e.split(' ')[0]));
    for (const e of events) {
      const blob = e.split(' ')[0]!;
      if (held.has(blob)) continue;
      const text = sizeOf(blob) < 200 ? git(wantDir, ['cat-file', 'blob', blob]) : '';
      const oid = /oid sha256:([0-9a-f]{64})/.exec(text)?.[1];
      lost += oid ? (wantPointers.get(oid) ?? sizeOf(blob)) : sizeOf(blob);
    }
  }
  for (const m of lfsMissing) lost += m.size;
  return lost;
}

/**
 * Bytes a killed run left behind that no later run removes: half-written packs of a killed fast-import or push
 * (objects/pack/tmp_pack_*, objects/incoming-* quarantines), fast-import crash reports, temp downloads.
 */
export function leftoverBytes(dir: string): number {
  const gitDir = git(dir, ['rev-parse', '--absolute-git-dir']).trim();
  let total = 0;
  const walk = (d: string, all: boolean) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      const counted = all || name.startsWith('tmp_') || name.startsWith('incoming-') || name.startsWith('fast_import_crash_');
      if (st.isDirectory()) walk(p, counted);
      else if (counted) total += st.size;
    }
  };
  walk(join(gitDir, 'objects'), false);
  for (const f of readdirSync(gitDir)) if (f.startsWith('fast_import_crash_')) total += statSync(join(gitDir, f)).size;
  walk(join(gitDir, 'workspace-backup', 'tmp'), true);
  walk(join(gitDir, 'lfs', 'tmp'), true);
  return total;
}
