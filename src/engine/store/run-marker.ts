// Marks a run in progress in the backup repo, so that the next run can tell one was killed and repair what git left.
//
// git dies holding its lock files when its process is killed (kill -9, a dead runner, a laptop losing power), and
// then refuses every later command that needs them ("Unable to create '.git/refs/heads/main.lock': File exists ...
// remove the file manually"): without this, a run killed while the branch was being advanced made every later run
// fail, and one killed while the working tree was being updated left it stale for good (found by the crash campaign,
// test/reliability/crash-campaign.ts). Like git gc's gc.pid: the marker names its host and process; a marker of this
// host whose process is gone, or one older than 12 hours from another host (a container that was replaced), belongs
// to a killed run, and only then are git's lock files removed.

import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.ts';
import type { Git } from './git.ts';

interface Marker {
  pid: number;
  host: string;
  startedAt: string;
  /** Set while the branch and working tree move from `from` (undefined: an unborn branch) to `to`. */
  checkout?: { from?: string; to: string };
}

/** A marker from another host is taken for a killed run after this long (git gc's rule for gc.pid). */
const staleAfterMs = 12 * 3600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** git's lock files: <gitdir>/*.lock (index, HEAD, config, packed-refs…) and every ref lock under refs/. */
function gitLockFiles(gitDir: string): string[] {
  const out = readdirSync(gitDir).filter((n) => n.endsWith('.lock')).map((n) => join(gitDir, n));
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) walk(join(dir, d.name));
      else if (d.name.endsWith('.lock')) out.push(join(dir, d.name));
    }
  };
  walk(join(gitDir, 'refs'));
  return out;
}

/**
 * What a killed git fast-import (or repack) leaves in objects/pack: the pack it was writing (tmp_pack_*, as large as
 * what it had stored, gigabytes in an initial backup) and its index (tmp_idx_*). Nothing refers to them; git gc would
 * only prune them two weeks later.
 */
function gitTempPacks(gitDir: string): string[] {
  const dir = join(gitDir, 'objects', 'pack');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /^tmp_(pack|idx|rev)_/.test(n)).map((n) => join(dir, n));
}

export class RunMarker {
  #file: string;
  #marker: Marker;

  private constructor(file: string, marker: Marker) {
    this.#file = file;
    this.#marker = marker;
  }

  /** Repairs after a killed run (its git locks, a working-tree update it cut short), then marks this run as running. */
  static async begin(git: Git, gitDir: string, log: Logger): Promise<RunMarker> {
    const file = join(gitDir, 'workspace-backup', 'run.json');
    await mkdir(join(gitDir, 'workspace-backup'), { recursive: true });
    let previous: Marker | undefined;
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as Marker;
    } catch {
      previous = undefined;
    }
    if (previous && (previous.host === hostname() ? !alive(previous.pid) : Date.now() - Date.parse(previous.startedAt) > staleAfterMs)) {
      const locks = gitLockFiles(gitDir);
      for (const l of locks) rmSync(l, { force: true });
      const packs = gitTempPacks(gitDir);
      for (const p of packs) rmSync(p, { force: true });
      const names = (files: string[]) => files.map((f) => f.slice(gitDir.length + 1)).join(', ');
      log.warn(
        `the run started ${previous.startedAt} (process ${previous.pid}) did not finish (killed?); what it committed is kept, the rest is redone now` +
          (locks.length ? `; removed the lock files git left: ${names(locks)}` : '') +
          (packs.length ? `; removed the unfinished packs git was writing: ${names(packs)}` : ''),
      );
      if (previous.checkout && !(await git.isBare())) await repairCheckout(git, previous.checkout.from, previous.checkout.to, log);
    }
    const marker = new RunMarker(file, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() });
    marker.#write();
    return marker;
  }

  /** Records that the branch and working tree now move from `from` to `to`, so a kill in the middle can be repaired. */
  checkingOut(from: string | undefined, to: string): void {
    this.#marker.checkout = { ...(from ? { from } : {}), to };
    this.#write();
  }

  /** The run ended (done or failed, but not killed). */
  end(): void {
    rmSync(this.#file, { force: true });
  }

  /** Whole or not at all (written aside, then renamed): a kill while writing leaves the previous marker. */
  #write(): void {
    writeFileSync(this.#file + '.tmp', JSON.stringify(this.#marker) + '\n');
    renameSync(this.#file + '.tmp', this.#file);
  }
}

/**
 * A working-tree update from `from` to `to` was killed part way: some files hold `to`'s content while the index and
 * the branch may still say `from`, so the next update would take them for local changes and refuse. When the branch
 * is still at `from`, every path the update touches whose file holds `from`'s or `to`'s content (git checked before
 * writing that none had local changes) goes back to `from`, index and file; anything else is left alone.
 */
async function repairCheckout(git: Git, from: string | undefined, to: string, log: Logger): Promise<void> {
  const head = await git.resolve('HEAD');
  if (head !== from || !(await git.resolve(to))) return;
  const literal = { GIT_LITERAL_PATHSPECS: '1' };
  const blobs = async (commit: string | undefined) => {
    const map = new Map<string, string>();
    if (!commit) return map;
    for (const rec of (await git.run(['ls-tree', '-r', '-z', '--full-tree', commit])).stdout.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(rec);
      if (m) map.set(m[2]!, m[1]!);
    }
    return map;
  };
  const [before, after] = [await blobs(from), await blobs(to)];
  const touched = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
  if (touched.length === 0) return;
  // What each file holds now, as git would store it (through the LFS clean filter for large files).
  const present = touched.filter((p) => existsSync(join(git.dir, p)));
  const hashes = present.length ? (await git.run(['hash-object', '--stdin-paths'], { input: present.join('\n') + '\n' })).stdout.trim().split('\n') : [];
  const holds = new Map(present.map((p, i) => [p, hashes[i]]));
  const ours = touched.filter((p) => !holds.has(p) || holds.get(p) === before.get(p) || holds.get(p) === after.get(p));
  if (ours.length === 0) return;
  const list = ours.join('\0') + '\0';
  if (from) await git.run(['reset', '-q', from, '--pathspec-from-file=-', '--pathspec-file-nul'], { input: list, env: literal });
  else await git.run(['rm', '-q', '--cached', '--ignore-unmatch', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: list, env: literal });
  const restore = ours.filter((p) => before.has(p));
  if (restore.length) await git.run(['checkout', from!, '--pathspec-from-file=-', '--pathspec-file-nul'], { input: restore.join('\0') + '\0', env: literal });
  for (const p of ours) if (!before.has(p)) rmSync(join(git.dir, p), { force: true });
  log.warn(`the working tree was being updated when that run was killed: put ${ours.length} files back as they were; this run brings them up to date`);
}
