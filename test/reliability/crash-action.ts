// The Action as a runner job for the crash campaign: a fresh blobless, sparse checkout of a bare remote, then
// `node src/action/index.ts` (the sources, so the crash points are current) in a process group that can be killed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCacheService, type RunningCacheService } from '../../src/sim/github/cache/index.ts';
import type { RunningSim } from '../../src/sim/projectplace/index.ts';
import { parseOutputs, prepareJob } from '../helpers/action-harness.ts';
import { repoRoot } from '../helpers/env.ts';
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

/** One job: checkout as the example workflow does it, then the Action, killed at `crashAt` if given. */
export async function runActionJob(
  world: ActionWorld,
  opts: { root: string; remote: string; sim: RunningSim; job: number; inputs: Record<string, string>; crashAt?: string },
): Promise<ActionJob> {
  const { workspace, files, env: runnerEnv } = prepareJob(opts.root, opts.remote, opts.job, 5000 + opts.job);
  const env: NodeJS.ProcessEnv = {
    ...runnerEnv,
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
