// Keeps state.db in the Actions cache between nightly runs. A miss or a failure only costs a rebuild from the repo.

import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { crashPoint } from '../lib/crash-point.ts';

/** The path as @actions/cache is given it: relative to the cwd, so the cache version is the same every night. */
function cachePath(statePath: string): string {
  return relative(process.cwd(), statePath) || statePath;
}

export async function restoreState(statePath: string, key: string, restorePrefix: string): Promise<string | undefined> {
  if (!cache.isFeatureAvailable()) {
    core.info('The Actions cache is not available here; state will be rebuilt from the backup repository.');
    return undefined;
  }
  try {
    const hit = await cache.restoreCache([cachePath(statePath)], key, [restorePrefix]);
    core.info(hit ? `State restored from the cache (${hit}).` : 'No cached state; it will be rebuilt from the backup repository.');
    return hit;
  } catch (e) {
    core.warning(`Could not restore state from the cache (${(e as Error).message}); it will be rebuilt from the backup repository.`);
    return undefined;
  }
}

export async function saveState(statePath: string, key: string): Promise<boolean> {
  if (!cache.isFeatureAvailable() || !existsSync(statePath)) return false;
  try {
    crashPoint('cache.before-save');
    const id = await cache.saveCache([cachePath(statePath)], key);
    crashPoint('cache.saved');
    return id !== -1;
  } catch (e) {
    core.warning(`Could not save state to the cache (${(e as Error).message}); the next run rebuilds it from the repository.`);
    return false;
  }
}
