// The crash campaign (issue 6, "Nothing lost"): kill -9 a backup at named crash points, then prove that a normal run
// completes, that verify --read-data passes, and that the repo equals the one an uninterrupted run makes. Shared by
// test/reliability/crash.test.ts (the short version) and scripts/campaign-crash.ts (every point, large account).
//
// Per point, on a fresh simulator with the campaign's seed: the first backup (or a copy of the reference's), the
// scripted changes, the run killed at the point (its whole process group, with SIGKILL), a normal run. The kill can
// also fall in the first backup. Points are crashPoint() calls (src/lib/crash-point.ts) or, for moments inside git,
// a hook or filter given to the killed run only (gitCrashSetup). "Equal" means: same paths and blobs at the tip, same
// manifest (detection times such as deletedAt only present in both), and per document the same content commits
// (blob, author, author date) along the first-parent history; run records and commit/committer times may differ.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncReport } from '../../src/engine/sync.ts';
import { formatBytes } from '../../src/lib/format.ts';
import { Logger } from '../../src/lib/log.ts';
import type { SimControl } from '../../src/sim/control-client.ts';
import type { SimOptions } from '../../src/sim/projectplace/index.ts';
import { git, oauth1Config, repoRoot, runSync, startSim, tempDir, writeConfig, type SimFixture } from '../helpers/env.ts';
import { runActionJob, startActionWorld, type ActionWorld } from './crash-action.ts';
import { createBackupRemote } from '../helpers/action-harness.ts';
import { runUntilCrashPoint, type KilledRun } from './crash-kill.ts';
import { bytesLost, compareSnapshots, leftoverBytes, lfsObjectsDir, missingLfsObjects, snapshotRepo, type RepoSnapshot } from './crash-snapshot.ts';
import { checkAgainstSim, verifyRepo } from './crash-verify.ts';

export type Phase = 'listing' | 'transfer' | 'lfs' | 'commit' | 'manifest' | 'ref' | 'state' | 'push' | 'cache';

export interface KillPoint {
  /** A crashPoint() name (src/lib/crash-point.ts callers). */
  point: string;
  /** Killed the n-th time the run reaches the point. */
  n: number;
  phase: Phase;
  /** Killed during the first backup of the account, or during the run after the scripted changes. */
  during: 'initial' | 'update';
  /** The CLI on a local repo, or the Action pushing to a remote. */
  via: 'cli' | 'action';
  /** Before the killed run the state is lost (CLI: state.db deleted; Action: cache evicted), so it is rebuilt first. */
  loseState?: boolean;
}

export function pointLabel(k: KillPoint): string {
  const tags = [k.during === 'initial' ? 'initial' : '', k.via === 'action' ? 'Action' : '', k.loseState ? 'state lost' : ''].filter(Boolean);
  return `${k.point}:${k.n}${tags.length ? ` (${tags.join(', ')})` : ''}`;
}

export interface Scale {
  name: string;
  sim: SimOptions;
  lfsThreshold: number;
  /** Documents edited by the scripted changes (besides renames, moves, deletes, new workspace, LFS). */
  edits: number;
  concurrency: number;
}

export const shortScale: Scale = {
  name: 'short',
  sim: { seed: 606, workspaces: 4, documents: 70, largeDocuments: [300_000] },
  lfsThreshold: 128 * 1024,
  edits: 14,
  concurrency: 4,
};

export const longScale: Scale = {
  name: 'large',
  sim: { seed: 606, workspaces: 20, documents: 1500, largeDocuments: [3 * 1024 * 1024, 5 * 1024 * 1024 + 17] },
  lfsThreshold: 1024 * 1024,
  edits: 90,
  concurrency: 4,
};

/** Every kill point of the full campaign: 30+ points over every phase, initial and update runs, CLI and Action. */
export const allPoints: KillPoint[] = [
  { point: 'listing.containers', n: 1, phase: 'listing', during: 'update', via: 'cli' },
  { point: 'listing.workspace', n: 1, phase: 'listing', during: 'update', via: 'cli' },
  { point: 'listing.workspace', n: 12, phase: 'listing', during: 'initial', via: 'cli' },
  { point: 'transfer.started', n: 1, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'transfer.started', n: 40, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'transfer.partial', n: 3, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'transfer.partial', n: 60, phase: 'transfer', during: 'initial', via: 'cli' },
  { point: 'transfer.complete', n: 1, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'transfer.complete', n: 60, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'transfer.complete', n: 700, phase: 'transfer', during: 'initial', via: 'cli' },
  { point: 'lfs.before-rename', n: 1, phase: 'lfs', during: 'update', via: 'cli' },
  { point: 'lfs.before-rename', n: 4, phase: 'lfs', during: 'initial', via: 'cli' },
  { point: 'lfs.stored', n: 2, phase: 'lfs', during: 'update', via: 'cli' },
  { point: 'lfs.stored', n: 10, phase: 'lfs', during: 'initial', via: 'cli' },
  { point: 'commit.blob-sent', n: 1, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'commit.blob-sent', n: 30, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'commit.sent', n: 1, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'commit.sent', n: 50, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'commit.sent', n: 1000, phase: 'commit', during: 'initial', via: 'cli' },
  { point: 'manifest.before', n: 1, phase: 'manifest', during: 'update', via: 'cli' },
  { point: 'manifest.sent', n: 1, phase: 'manifest', during: 'update', via: 'cli' },
  { point: 'manifest.sent', n: 1, phase: 'manifest', during: 'initial', via: 'cli' },
  { point: 'ref.import-finished', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'ref.merged', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'ref.advanced', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'ref.advanced', n: 1, phase: 'ref', during: 'initial', via: 'cli' },
  { point: 'git.index-locked', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'git.ref-locked', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'git.ref-locked', n: 1, phase: 'ref', during: 'initial', via: 'cli' },
  { point: 'git.import-locked', n: 1, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'state.rebuild.deleted', n: 1, phase: 'state', during: 'update', via: 'cli', loseState: true },
  { point: 'state.rebuild.committed', n: 1, phase: 'state', during: 'update', via: 'cli', loseState: true },
  { point: 'state.apply.before-commit', n: 1, phase: 'state', during: 'update', via: 'cli' },
  { point: 'state.apply.committed', n: 1, phase: 'state', during: 'update', via: 'cli' },
  { point: 'state.apply.before-commit', n: 1, phase: 'state', during: 'initial', via: 'cli' },
  { point: 'commit.sent', n: 20, phase: 'commit', during: 'update', via: 'action' },
  { point: 'ref.advanced', n: 1, phase: 'ref', during: 'update', via: 'action' },
  { point: 'state.rebuild.deleted', n: 1, phase: 'state', during: 'update', via: 'action', loseState: true },
  { point: 'push.before-lfs', n: 1, phase: 'push', during: 'update', via: 'action' },
  { point: 'push.lfs-pushed', n: 1, phase: 'push', during: 'update', via: 'action' },
  { point: 'push.lfs-pushed', n: 1, phase: 'push', during: 'initial', via: 'action' },
  { point: 'push.pushed', n: 1, phase: 'push', during: 'update', via: 'action' },
  { point: 'push.pushed', n: 1, phase: 'push', during: 'initial', via: 'action' },
  { point: 'cache.before-save', n: 1, phase: 'cache', during: 'update', via: 'action' },
  { point: 'cache.saved', n: 1, phase: 'cache', during: 'update', via: 'action' },
];

/** The CI version: one point per risk, on a small account (about a minute in all). */
export const shortPoints: KillPoint[] = [
  { point: 'listing.workspace', n: 2, phase: 'listing', during: 'update', via: 'cli' },
  { point: 'transfer.partial', n: 3, phase: 'transfer', during: 'update', via: 'cli' },
  { point: 'lfs.stored', n: 1, phase: 'lfs', during: 'update', via: 'cli' },
  // Mid-commit: a small document's content handed to git inline, its commit not yet ended.
  { point: 'commit.blob-sent', n: 5, phase: 'commit', during: 'update', via: 'cli' },
  { point: 'commit.sent', n: 30, phase: 'commit', during: 'initial', via: 'cli' },
  { point: 'manifest.sent', n: 1, phase: 'manifest', during: 'update', via: 'cli' },
  { point: 'ref.advanced', n: 1, phase: 'ref', during: 'initial', via: 'cli' },
  // Regressions: git killed holding its locks made every later run fail, or left the working tree stale (run-marker.ts).
  { point: 'git.ref-locked', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'git.index-locked', n: 1, phase: 'ref', during: 'update', via: 'cli' },
  { point: 'state.rebuild.deleted', n: 1, phase: 'state', during: 'update', via: 'cli', loseState: true },
  { point: 'state.apply.before-commit', n: 1, phase: 'state', during: 'update', via: 'cli' },
  { point: 'push.lfs-pushed', n: 1, phase: 'push', during: 'update', via: 'action' },
  { point: 'push.pushed', n: 1, phase: 'push', during: 'update', via: 'action' },
];

const T0 = Date.UTC(2026, 0, 15, 9) / 1000;

/**
 * The scripted changes between the first backup and the killed run: edits spread over the account, a document
 * entering and one leaving LFS, a big new LFS document, renames, a rename with an edit, moves (one across
 * workspaces), a renamed and a moved folder, deletes (a folder with its content), a link changed, a new workspace
 * with documents, a renamed and an archived workspace. Deterministic: same seed, same changes, same times.
 */
export async function applyScriptedChanges(control: SimControl, scale: Scale): Promise<void> {
  const dump = (await control.state()) as unknown as {
    users: Array<{ id: number; external: boolean; removed: boolean }>;
    workspaces: Array<{ id: number; archived: boolean }>;
    items: Array<{ id: number; kind: string; workspaceId: number; parentId: number | null; versions: Array<{ size: number }> }>;
  };
  const byId = <T extends { id: number }>(a: T, b: T) => a.id - b.id;
  const users = dump.users.filter((u) => !u.removed).sort(byId);
  const items = [...dump.items].sort(byId);
  const docs = items.filter((i) => i.kind === 'document');
  const folders = items.filter((i) => i.kind === 'folder');
  const links = items.filter((i) => i.kind === 'link');
  const active = dump.workspaces.filter((w) => !w.archived).sort(byId);
  const size = (d: (typeof docs)[number]) => d.versions.at(-1)?.size ?? 0;
  let t = T0;
  const at = () => (t += 61);
  const used = new Set<number>();
  const take = (pred: (d: (typeof docs)[number]) => boolean = () => true) => {
    const d = docs.find((x) => !used.has(x.id) && pred(x));
    if (d) used.add(d.id);
    return d;
  };
  const ops: Array<Record<string, unknown>> = [];
  const step = Math.max(1, Math.floor(docs.length / scale.edits));
  for (let i = 0; i < scale.edits; i++) {
    const d = docs[(i * step + 3) % docs.length]!;
    if (used.has(d.id)) continue;
    used.add(d.id);
    ops.push({ op: 'edit', id: d.id, by: users[i % users.length]!.id, at: at(), ...(i % 4 === 0 ? { size: (i * 7919) % 150_000 } : {}) });
  }
  const grows = take((d) => size(d) < scale.lfsThreshold / 2);
  if (grows) ops.push({ op: 'edit', id: grows.id, by: users[1]!.id, at: at(), size: scale.lfsThreshold * 2 + 123 });
  const shrinks = take((d) => size(d) > scale.lfsThreshold);
  if (shrinks) ops.push({ op: 'edit', id: shrinks.id, by: users[2]!.id, at: at(), size: 777 });
  for (let i = 0; i < 3; i++) {
    const d = take();
    if (d) ops.push({ op: 'rename', id: d.id, name: `Renamed by the campaign ${i + 1}.txt` });
  }
  const renamedEdited = take();
  if (renamedEdited) {
    ops.push({ op: 'rename', id: renamedEdited.id, name: 'Renamed and edited.docx' });
    ops.push({ op: 'edit', id: renamedEdited.id, by: users[3]!.id, at: at() });
  }
  const mover = take();
  const target = folders.find((f) => mover && f.workspaceId !== mover.workspaceId && active.some((w) => w.id === f.workspaceId));
  if (mover && target) ops.push({ op: 'move', id: mover.id, parentId: target.id });
  const renamedFolder = folders.find((f) => f.parentId === null);
  if (renamedFolder) ops.push({ op: 'rename', id: renamedFolder.id, name: 'Renamed folder' });
  const movedFolder = folders.find((f) => f !== renamedFolder && f.parentId === null && active.some((w) => w.id !== f.workspaceId));
  if (movedFolder) ops.push({ op: 'move', id: movedFolder.id, parentId: null, workspaceId: active.find((w) => w.id !== movedFolder.workspaceId)!.id });
  if (links[0]) ops.push({ op: 'edit', id: links[0].id, by: users[0]!.id, at: at(), url: 'https://wiki.example.org/moved-here' });
  ops.push({ op: 'add', workspaceId: active[0]!.id, parentId: null, kind: 'document', name: 'Big drawing set.bin', size: scale.lfsThreshold * 3 + 1, by: users[4 % users.length]!.id, at: at() });
  ops.push({ op: 'add', workspaceId: active[0]!.id, parentId: null, kind: 'link', name: 'Campaign link', url: 'https://example.org/campaign', by: users[0]!.id, at: at() });
  for (let i = 0; i < 3; i++) {
    const d = take((x) => x.parentId !== renamedFolder?.id && x.parentId !== movedFolder?.id);
    if (d) ops.push({ op: 'delete', id: d.id });
  }
  const deletedFolder = folders.find((f) => f !== renamedFolder && f !== movedFolder && f !== target && !f.parentId);
  if (deletedFolder) ops.push({ op: 'delete', id: deletedFolder.id });
  if (active[1]) ops.push({ op: 'renameWorkspace', workspaceId: active[1].id, name: 'Renamed workspace' });
  if (active.length > 2) ops.push({ op: 'archiveWorkspace', workspaceId: active.at(-1)!.id, archived: true });
  for (const op of ops) await control.mutate(op);
  // A new workspace with a folder, documents (one in LFS) and a link.
  const ws = await control.mutate({ op: 'addWorkspace', name: 'Crash campaign workspace' });
  const inbox = await control.mutate({ op: 'add', workspaceId: ws, parentId: null, kind: 'folder', name: 'Inbox', by: users[0]!.id, at: at() });
  for (let i = 0; i < 4; i++) {
    await control.mutate({ op: 'add', workspaceId: ws, parentId: i % 2 ? inbox : null, kind: 'document', name: `New document ${i + 1}.pdf`, size: i === 3 ? scale.lfsThreshold + 5 : 5000 + i * 1000, by: users[i % users.length]!.id, at: at() });
  }
  await control.mutate({ op: 'add', workspaceId: ws, parentId: inbox, kind: 'link', name: 'New link', url: 'https://example.org/new', by: users[1]!.id, at: at() });
}

export interface PointResult {
  kill: KillPoint;
  reached: boolean;
  /** "ok", or what went wrong with the normal run after the kill. */
  nextRun: string;
  verify: string;
  equal: string;
  bytesLost: number;
  /** Bytes of temp files and half-written packs the kill left in the repo (or the remote) after the next run. */
  leftover: number;
  seconds: number;
  /** Where the seconds went: step → seconds. */
  timings: Record<string, number>;
  ok: boolean;
  problems: string[];
}

export interface CampaignResult {
  scale: Scale;
  reference: { files: number; documents: number; commits: number; lfsObjects: number; seconds: number };
  rows: PointResult[];
  ok: boolean;
  seconds: number;
}

interface Reference {
  dir: string;
  snap: RepoSnapshot;
}

function cliEngineOptions(scale: Scale) {
  return { lfsThreshold: scale.lfsThreshold, concurrency: scale.concurrency };
}

function reportProblem(r: SyncReport): string | undefined {
  if (r.complete && r.failures.length === 0) return undefined;
  return `incomplete: ${r.failures.map((f) => `${f.path}: ${f.error}`).join('; ') || `${r.counts.skipped} skipped`}`;
}

/**
 * Crash points inside git, where no crashPoint() call can be. `git.ref-locked`: while git holds the lock on
 * refs/heads/main (a reference-transaction hook, state "prepared"); `git.import-locked`: the same on the import ref,
 * as fast-import ends. `git.index-locked`: while git holds
 * .git/index.lock in the middle of updating the working tree (a proxy in front of `git-lfs filter-process` that
 * fires on the first smudge request, i.e. while a large file is being checked out). Each SIGKILLs the run's whole
 * process group itself (kill 0) and leaves its CRASH-POINT line in a marker file. They are given to the killed run
 * only, through GIT_CONFIG_* (core.hooksPath, filter.lfs.process), so the repo's config and later runs never see them.
 */
function gitCrashSetup(point: string, work: string): { env: NodeJS.ProcessEnv; marker: string } | undefined {
  if (!point.startsWith('git.')) return undefined;
  const marker = join(work, 'crash-marker');
  const dir = join(work, 'crash-hooks');
  mkdirSync(dir, { recursive: true });
  const line = `CRASH-POINT ${point} 1\n`;
  const lockedRef = { 'git.ref-locked': 'refs/heads/main', 'git.import-locked': 'refs/workspace-backup/import' }[point];
  if (lockedRef) {
    const hook = join(dir, 'reference-transaction');
    const zero = '0'.repeat(40);
    writeFileSync(
      hook,
      `#!/bin/sh\n[ "$1" = prepared ] || exit 0\nwhile read old new ref; do\n  if [ "$ref" = ${lockedRef} ] && [ "$new" != ${zero} ]; then\n    printf '${line}' > '${marker}'\n    kill -9 0\n  fi\ndone\n`,
      { mode: 0o755 },
    );
    return { env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: dir }, marker };
  }
  if (point === 'git.index-locked') {
    const proxy = join(dir, 'lfs-filter-proxy.mjs');
    writeFileSync(
      proxy,
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const lfs = spawn('git-lfs', ['filter-process'], { stdio: ['pipe', 'inherit', 'inherit'] });
let tail = '';
process.stdin.on('data', (d) => {
  const text = tail + d.toString('latin1');
  if (text.includes('command=smudge')) {
    writeFileSync(${JSON.stringify(marker)}, ${JSON.stringify(line)});
    process.kill(0, 'SIGKILL');
  }
  tail = text.slice(-32);
  lfs.stdin.write(d);
});
process.stdin.on('end', () => lfs.stdin.end());
lfs.on('exit', (code) => process.exit(code ?? 1));
`,
    );
    return { env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'filter.lfs.process', GIT_CONFIG_VALUE_0: `"${process.execPath}" "${proxy}"` }, marker };
  }
  throw new Error(`no git crash point ${point}`);
}

/** The killed run of the CLI: `node src/cli/main.ts sync --config … --quiet` in its own process group. */
async function killCli(fx: SimFixture, repo: string, scale: Scale, kill: KillPoint, work: string): Promise<KilledRun> {
  const config = await writeConfig(work, oauth1Config(fx.sim, repo, { 'lfs-threshold': scale.lfsThreshold, concurrency: scale.concurrency }));
  const inGit = gitCrashSetup(kill.point, work);
  return runUntilCrashPoint([join(repoRoot, 'src/cli/main.ts'), 'sync', '--config', config, '--quiet'], {
    cwd: work,
    env: { ...process.env, ...inGit?.env },
    crashAt: inGit ? undefined : `${kill.point}:${kill.n}`,
    marker: inGit?.marker,
    timeoutMs: 600_000,
  });
}

function statePathOf(repo: string): string {
  return join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'workspace-backup', 'state.db');
}

/** Records the seconds since the last lap under a step's name. */
function stopwatch(into: Record<string, number>): (step: string) => void {
  let last = Date.now();
  return (step) => {
    const now = Date.now();
    into[step] = (into[step] ?? 0) + (now - last) / 1000;
    last = now;
  };
}

/**
 * Checks after the normal run: the working tree (if any) shows the branch and git left no lock; git fsck; verify --read-data; the repo against the simulator (test/reliability/repo-check.ts:
 * right bytes, nothing lost, equal to the service now); the repo against the uninterrupted reference (paths, bytes,
 * manifest, per-document history); bytes lost.
 */
async function judge(dir: string, fx: SimFixture, ref: Reference, ignore: readonly string[], result: PointResult, lap: (s: string) => void): Promise<void> {
  try {
    execFileSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    result.problems.push(`git fsck: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`);
  }
  // Where the backup has a working tree (the CLI's repo), it shows the branch: every file up to date, no lock left.
  if (git(dir, 'rev-parse', '--is-bare-repository').trim() === 'false') {
    const status = git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
    if (status.length) result.problems.push(`working tree not up to date (${status.length} paths): ${status.slice(0, 3).join(', ')}`);
  }
  const gitDir = git(dir, 'rev-parse', '--absolute-git-dir').trim();
  const locks = execFileSync('find', [gitDir, '-name', '*.lock'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (locks.length) result.problems.push(`lock files left: ${locks.map((l) => l.slice(gitDir.length + 1)).join(', ')}`);
  const v = await verifyRepo(dir, { readData: true });
  result.verify = v.ok ? `pass (${v.summary})` : `FAIL: ${v.problems.slice(0, 3).join('; ')}`;
  if (!v.ok) result.problems.push(...v.problems.slice(0, 8).map((p) => `verify: ${p}`));
  lap('verify');
  const simCheck = await checkAgainstSim(dir, fx.control, ignore);
  result.problems.push(...simCheck.map((p) => `against the simulator: ${p}`));
  lap('against simulator');
  const snap = snapshotRepo(dir, 'refs/heads/main', ignore);
  const diff = compareSnapshots(snap, ref.snap);
  const missing = await missingLfsObjects(snap, lfsObjectsDir(dir));
  result.equal = diff.length === 0 ? 'yes' : `NO: ${diff.slice(0, 2).join('; ')}`;
  result.problems.push(...diff.map((d) => `differs: ${d}`), ...missing.map((m) => `LFS object missing: ${m.path} (${m.oid})`));
  result.bytesLost = bytesLost(snap, ref.snap, ref.dir, missing);
  result.leftover = leftoverBytes(dir);
  lap('against reference');
}

function blankResult(kill: KillPoint): PointResult {
  return { kill, reached: false, nextRun: '-', verify: '-', equal: '-', bytesLost: 0, leftover: 0, seconds: 0, timings: {}, ok: false, problems: [] };
}

function finish(result: PointResult, crashAt: string, killed: KilledRun | undefined, started: number): PointResult {
  if (killed) {
    result.reached = killed.reached;
    if (!killed.reached) result.problems.unshift(`never reached ${crashAt} (exit ${killed.code}${killed.timedOut ? ', timed out' : ''}): ${(killed.stdout + killed.stderr).trim().slice(-300)}`);
  }
  result.seconds = (Date.now() - started) / 1000;
  result.ok = result.reached && result.problems.length === 0 && result.bytesLost === 0;
  return result;
}

async function cliPoint(kill: KillPoint, scale: Scale, base: string, ref: Reference, work: string): Promise<PointResult> {
  const started = Date.now();
  const result = blankResult(kill);
  const lap = stopwatch(result.timings);
  const crashAt = `${kill.point}:${kill.n}`;
  const fx = await startSim(scale.sim);
  let killed: KilledRun | undefined;
  try {
    const repo = join(work, 'repo');
    const normal = async (what: string) => {
      const warnings: string[] = [];
      const logger = new Logger({ sink: (level, line) => level === 'warn' && warnings.push(line) });
      let p: string | undefined;
      try {
        p = reportProblem(await runSync(fx.sim, repo, { ...cliEngineOptions(scale), logger }));
      } catch (e) {
        p = `FAILED: ${(e as Error).message.split('\n')[0]}`;
      }
      lap(what);
      // A warning that the working tree could not follow means a person would have to repair it.
      const stuck = warnings.filter((w) => /working tree .* could not be updated/.test(w));
      if (stuck.length) p = `${p ? p + '; ' : ''}${stuck[0]!.split('\n')[0]}`;
      return p ? `${what}: ${p}` : undefined;
    };
    if (kill.during === 'initial') {
      lap('setup');
      killed = await killCli(fx, repo, scale, kill, work);
      lap('killed run');
      const p1 = await normal('next run');
      await applyScriptedChanges(fx.control, scale);
      const p2 = await normal('run after the changes');
      result.nextRun = p1 ?? p2 ?? 'ok';
    } else {
      execFileSync('cp', ['-a', base, repo]);
      if (kill.loseState) rmSync(statePathOf(repo), { force: true });
      await applyScriptedChanges(fx.control, scale);
      lap('setup');
      killed = await killCli(fx, repo, scale, kill, work);
      lap('killed run');
      result.nextRun = (await normal('next run')) ?? 'ok';
    }
    if (result.nextRun !== 'ok') result.problems.push(result.nextRun);
    await judge(repo, fx, ref, [], result, lap);
  } catch (e) {
    result.problems.push(`campaign error: ${(e as Error).stack ?? e}`);
  } finally {
    await fx.close();
  }
  return finish(result, crashAt, killed, started);
}

async function actionPoint(kill: KillPoint, scale: Scale, world: ActionWorld, ref: Reference, work: string): Promise<PointResult> {
  const started = Date.now();
  const result = blankResult(kill);
  const lap = stopwatch(result.timings);
  const crashAt = `${kill.point}:${kill.n}`;
  const fx = await startSim(scale.sim);
  let killed: KilledRun | undefined;
  try {
    await world.cache.evictAll();
    const remote = createBackupRemote(work);
    const inputs = { 'lfs-threshold': String(scale.lfsThreshold), concurrency: String(scale.concurrency) };
    let job = 0;
    const normal = async (what: string) => {
      const r = await runActionJob(world, { root: work, remote, sim: fx.sim, job: ++job, inputs });
      lap(what);
      if (r.code === 0 && r.outputs.complete === 'true') return undefined;
      const lines = (r.stdout + r.stderr).split('\n').filter((l) => /error|warning/i.test(l));
      return `${what}: exit ${r.code}, complete=${r.outputs.complete}: ${lines.slice(0, 3).join(' | ')}`;
    };
    if (kill.during === 'initial') {
      lap('setup');
      killed = await runActionJob(world, { root: work, remote, sim: fx.sim, job: ++job, inputs, crashAt });
      lap('killed run');
      const p1 = await normal('next run');
      await applyScriptedChanges(fx.control, scale);
      const p2 = await normal('run after the changes');
      result.nextRun = p1 ?? p2 ?? 'ok';
    } else {
      const p0 = await normal('first run');
      if (p0) result.problems.push(p0);
      await applyScriptedChanges(fx.control, scale);
      if (kill.loseState) await world.cache.evictAll();
      lap('setup');
      killed = await runActionJob(world, { root: work, remote, sim: fx.sim, job: ++job, inputs, crashAt });
      lap('killed run');
      result.nextRun = (await normal('next run')) ?? 'ok';
    }
    if (result.nextRun !== 'ok') result.problems.push(result.nextRun);
    await judge(remote, fx, ref, ['README.md'], result, lap);
  } catch (e) {
    result.problems.push(`campaign error: ${(e as Error).stack ?? e}`);
  } finally {
    await fx.close();
  }
  return finish(result, crashAt, killed, started);
}

export interface PreparedReference extends Reference {
  /** The repo after the first backup: every update point starts from a copy of it. */
  base: string;
  root: string;
  stats: CampaignResult['reference'];
}

/**
 * The uninterrupted run every point is compared with: first backup (kept as the base of update points), the
 * scripted changes, the next run; verified with --read-data before anything is compared with it.
 */
export async function prepareReference(scale: Scale, root: string): Promise<PreparedReference> {
  const started = Date.now();
  const base = join(root, 'base');
  const refDir = join(root, 'reference');
  const fx = await startSim(scale.sim);
  try {
    const first = await runSync(fx.sim, base, cliEngineOptions(scale));
    if (reportProblem(first)) throw new Error(`the reference's first backup failed: ${reportProblem(first)}`);
    execFileSync('cp', ['-a', base, refDir]);
    await applyScriptedChanges(fx.control, scale);
    const second = await runSync(fx.sim, refDir, cliEngineOptions(scale));
    if (reportProblem(second)) throw new Error(`the reference's second run failed: ${reportProblem(second)}`);
  } finally {
    await fx.close();
  }
  const refVerify = await verifyRepo(refDir, { readData: true });
  if (!refVerify.ok) throw new Error(`the reference itself does not verify: ${refVerify.problems.slice(0, 5).join('; ')}`);
  const snap = snapshotRepo(refDir);
  const stats = {
    files: snap.files.size,
    documents: [...snap.manifest.values()].filter((l) => l.includes('"kind":"document"')).length,
    commits: Number(git(refDir, 'rev-list', '--count', 'main').trim()),
    lfsObjects: snap.pointers.size,
    seconds: (Date.now() - started) / 1000,
  };
  return { dir: refDir, snap, base, root, stats };
}

/**
 * Runs the campaign: one reference (prepareReference), then every point on a fresh simulator with the same seed.
 * `onResult` sees each row as it lands.
 */
export async function runCrashCampaign(
  scale: Scale,
  points: KillPoint[],
  opts: { onResult?: (r: PointResult) => void; log?: (line: string) => void; keep?: boolean; reference?: PreparedReference } = {},
): Promise<CampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const ref = opts.reference ?? (await prepareReference(scale, await tempDir(`wb-crash-${scale.name}-`)));
  const { root, base, stats: reference } = ref;
  log(`reference (${scale.name}): ${reference.documents} documents, ${reference.files} files, ${reference.lfsObjects} in LFS, ${reference.commits} commits, ${reference.seconds.toFixed(1)} s`);

  let world: ActionWorld | undefined;
  const rows: PointResult[] = [];
  try {
    for (const [i, kill] of points.entries()) {
      const work = join(root, `point-${i + 1}`);
      execFileSync('mkdir', ['-p', work]);
      let r: PointResult;
      if (kill.via === 'action') {
        world ??= await startActionWorld();
        r = await actionPoint(kill, scale, world, ref, work);
      } else {
        r = await cliPoint(kill, scale, base, ref, work);
      }
      rows.push(r);
      opts.onResult?.(r);
      const spent = Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
      log(`${r.ok ? 'ok  ' : 'FAIL'} ${pointLabel(kill)} in ${r.seconds.toFixed(1)} s (${spent})${r.ok ? '' : `: ${r.problems.slice(0, 4).join(' / ')}`}`);
      if (r.ok && !opts.keep) rmSync(work, { recursive: true, force: true });
    }
  } finally {
    await world?.close();
  }
  if (!opts.keep && !opts.reference && rows.every((r) => r.ok)) rmSync(root, { recursive: true, force: true });
  else if (!opts.reference) log(`work left in ${root}`);
  return { scale, reference, rows, ok: rows.length > 0 && rows.every((r) => r.ok), seconds: (Date.now() - started) / 1000 };
}

/** The campaign as a markdown table. */
export function campaignTable(result: CampaignResult): string {
  const lines = [
    '| # | kill point | phase | reached | next run | verify --read-data | equals uninterrupted run | bytes lost | temp left | s |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 140);
  result.rows.forEach((r, i) => {
    lines.push(`| ${i + 1} | ${cell(pointLabel(r.kill))} | ${r.kill.phase} | ${r.reached ? 'yes' : 'NO'} | ${cell(r.nextRun)} | ${cell(r.verify)} | ${cell(r.equal)} | ${r.bytesLost} | ${formatBytes(r.leftover)} | ${r.seconds.toFixed(1)} |`);
  });
  return lines.join('\n');
}

