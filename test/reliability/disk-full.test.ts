// Disk full: the backup repo lives on a small tmpfs that fills up mid-run. The run must stop with a clear error,
// leave the last complete backup intact (fsck clean, branch unmoved, manifest unchanged), and the next run, once
// there is room, must complete. Needs root to mount (CI runs as root); skipped with the reason otherwise.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git, gitFiles, manifest, oauth1Config, runCli, startSim, tempDir, writeConfig, type SimFixture } from '../helpers/env.ts';

const MiB = 1024 * 1024;

function canMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = join(process.env.TMPDIR ?? '/tmp', `wb-mount-probe-${process.pid}`);
  mkdirSync(probe, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
  if (r.status !== 0) return `cannot mount a tmpfs here: ${r.stderr.toString().trim()}`;
  spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return undefined;
}

const skip = canMount();

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

function freeBytes(dir: string): number {
  const s = process.getBuiltinModule('node:fs').statfsSync(dir);
  return s.bavail * s.bsize;
}

function resize(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
}

/** Every document file at the head has the bytes the simulator serves for it now. */
async function assertMatchesSim(repo: string, fx: SimFixture): Promise<void> {
  const m = manifest(repo);
  const docs = [...m.values()].filter((e) => e.kind === 'document' && !e.deletedAt);
  assert.ok(docs.length > 0);
  for (const e of docs) {
    const served = await fx.control.sha256(e.id);
    assert.equal(e.sha256, served.sha256, `manifest sha256 of ${e.path}`);
    if (e.lfs) {
      const pointer = git(repo, 'cat-file', 'blob', `HEAD:${e.path}`);
      assert.match(pointer, new RegExp(`oid sha256:${served.sha256}`), `LFS pointer of ${e.path}`);
    } else {
      const bytes = execFileSync('git', ['cat-file', 'blob', `HEAD:${e.path}`], { cwd: repo, maxBuffer: 64 * MiB });
      const sha = process.getBuiltinModule('node:crypto').createHash('sha256').update(bytes).digest('hex');
      assert.equal(sha, served.sha256, `bytes of ${e.path}`);
    }
  }
}

describe('disk full', { skip }, () => {
  let work: string;
  let mnt: string;
  const mounts: string[] = [];

  before(async () => {
    work = await tempDir('wb-diskfull-');
  });

  after(() => {
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(work, { recursive: true, force: true });
  });

  // 'downloads': three large documents fill the disk while they download (LFS-sized: the LFS store is a rename).
  // 'git objects': one document fits as a download, but not twice over, so git fast-import fills the disk.
  for (const mode of ['downloads', 'git objects'] as const) {
    test(`a disk that fills during ${mode}: clear error, nothing corrupted, the next run with space completes`, async () => {
      const fx = await startSim({ seed: 31, workspaces: 2, documents: 12, hostileNames: false });
      try {
        mnt = join(work, mode.replace(' ', '-'));
        mountTmpfs(mnt, '4m');
        mounts.push(mnt);
        const repo = join(mnt, 'backup');
        const config = await writeConfig(work, oauth1Config(fx.sim, repo, mode === 'downloads' ? { 'lfs-threshold': '1MiB' } : {}));

        const first = await runCli(['sync', '--config', config, '--quiet']);
        assert.equal(first.code, 0, first.stderr);
        const headBefore = git(repo, 'rev-parse', 'HEAD').trim();
        const manifestBefore = git(repo, 'ls-tree', '-r', 'HEAD', '.workspace-backup/manifest').trim();

        const ws = (await fx.control.state()).workspaces[0]!.id;
        const free = freeBytes(mnt);
        const sizes = mode === 'downloads' ? [2 * MiB, 2 * MiB, 2 * MiB] : [Math.floor(free * 0.6)];
        for (const [i, size] of sizes.entries()) await fx.control.mutate({ op: 'add', kind: 'document', workspaceId: ws, name: `Big ${i}.pdf`, size });

        const full = await runCli(['sync', '--config', config, '--quiet']);
        assert.equal(full.code, 5, `exit code; stderr: ${full.stderr}`);
        assert.match(full.stderr, /disk .*full|no space left/i);
        assert.ok(full.stderr.includes(mnt), `the error names where: ${full.stderr}`);
        assert.doesNotMatch(full.stderr, /bug in workspace-backup/);

        // The last complete backup is intact.
        assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), headBefore);
        assert.equal(git(repo, 'ls-tree', '-r', 'HEAD', '.workspace-backup/manifest').trim(), manifestBefore);
        const fsck = spawnSync('git', ['fsck', '--full', '--no-progress'], { cwd: repo, encoding: 'utf8' });
        assert.equal(fsck.status, 0, fsck.stderr);
        assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'working tree clean');

        resize(mnt, '64m');
        const next = await runCli(['sync', '--config', config, '--quiet']);
        assert.equal(next.code, 0, next.stderr);
        const files = gitFiles(repo);
        for (let i = 0; i < sizes.length; i++) assert.ok(files.some((f) => f.endsWith(`/Big ${i}.pdf`)), `Big ${i}.pdf backed up`);
        await assertMatchesSim(repo, fx);
        const fsck2 = spawnSync('git', ['fsck', '--full', '--no-progress'], { cwd: repo, encoding: 'utf8' });
        assert.equal(fsck2.status, 0, fsck2.stderr);
      } finally {
        await fx.close();
      }
    });
  }
});
