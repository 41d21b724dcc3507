// The Action as a runner job for the crash campaign: a fresh blobless, sparse checkout of a bare remote, then
// `node src/action/index.ts` (the sources, so the crash points are current) in a process group that can be killed.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCacheService, type RunningCacheService } from '../../src/sim/github/cache/index.ts';
import type { RunningSim } from '../../src/sim/projectplace/index.ts';
import { parseOutputs } from '../helpers/action-harness.ts';
import { git, repoRoot } from '../helpers/env.ts';
import { runUntilCrashPoint, type KilledRun } from './crash-kill.ts';

export interface ActionJob extends KilledRun {
  outputs: Record<string, string>;
  workspace: string;
}

export interface ActionWorld {
  /** The Actions cache (Twirp over azurite): all the Action uses of the runner's results service with pages off. */
  cache: RunningCacheService;
  close(): Promise<void>;
}

/** The runner's cache service, shared by every point and evicted between points. */
export async function startActionWorld(): Promise<ActionWorld> {
  const cache = await startCacheService();
  return { cache, close: () => cache.close() };
}

/** A bare remote whose main branch has one commit by a person (as a new backup repository has). */
export function createRemote(root: string): string {
  const remote = join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  git(remote, 'config', 'uploadpack.allowFilter', 'true');
  const seed = join(root, 'seed');
  git(root, 'init', '-q', '-b', 'main', seed);
  writeFileSync(join(seed, 'README.md'), '# Our Projectplace backup\n');
  git(seed, 'add', 'README.md');
  git(seed, '-c', 'user.name=Admin', '-c', 'user.email=admin@example.com', 'commit', '-qm', 'Start');
  git(seed, 'push', '-q', remote, 'main');
  return remote;
}

/** One job: checkout as the example workflow does it, then the Action, killed at `crashAt` if given. */
export async function runActionJob(
  world: ActionWorld,
  opts: { root: string; remote: string; sim: RunningSim; job: number; inputs: Record<string, string>; crashAt?: string },
): Promise<ActionJob> {
  const jobDir = join(opts.root, `job-${opts.job}`);
  const workspace = join(jobDir, 'workspace');
  const temp = join(jobDir, 'temp');
  mkdirSync(temp, { recursive: true });
  git(jobDir, 'clone', '-q', '--filter=blob:none', '--no-checkout', `file://${opts.remote}`, workspace);
  git(workspace, 'sparse-checkout', 'set', '--no-cone', '/.workspace-backup/', '/.gitattributes');
  git(workspace, '-c', 'filter.lfs.smudge=', '-c', 'filter.lfs.required=false', 'checkout', '-q', 'main');
  const files: Record<string, string> = {};
  for (const f of ['output', 'summary', 'state', 'env', 'path']) {
    files[f] = join(temp, `${f}.txt`);
    writeFileSync(files[f], '');
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'octo-org/backup',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_REF_NAME: 'main',
    GITHUB_RUN_ID: String(5000 + opts.job),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'schedule',
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GIT_LFS_SKIP_SMUDGE: '1',
    ...world.cache.env,
    INPUT_HOST: opts.sim.url,
    'INPUT_CLIENT-ID': opts.sim.credentials.clientId,
    'INPUT_CLIENT-SECRET': opts.sim.credentials.clientSecret,
    'INPUT_ALERT-ISSUE': 'false',
    ...Object.fromEntries(Object.entries(opts.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  const run = await runUntilCrashPoint([join(repoRoot, 'src/action/index.ts')], { cwd: workspace, env, crashAt: opts.crashAt });
  return { ...run, outputs: parseOutputs(readFileSync(files.output!, 'utf8')), workspace };
}
