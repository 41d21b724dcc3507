// Looks for credentials wherever a run leaves traces: its output, every file under a folder, and every git object
// (decompressed, since a secret inside a commit or blob would not show in the raw pack bytes).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunningSim } from '../../src/sim/projectplace/index.ts';
import { filesUnder } from './env.ts';

/** Every credential the simulator knows, and every OAuth2 access token it has issued so far. */
export function simSecrets(sim: RunningSim): string[] {
  const c = sim.credentials;
  return [c.consumerSecret, c.accessToken, c.accessTokenSecret, c.clientSecret, ...sim.state.auth.tokens.keys()].filter((s) => s.length >= 8);
}

/** An OAuth1 signature or bearer token that was not masked, in any text. */
const perRequestSecret = [/oauth_signature=(?!\*\*\*)"?[A-Za-z0-9%+/=]{8,}/i, /Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}/];

export interface Trace {
  /** Where it came from, for the failure message. */
  where: string;
  text: string;
}

/** The texts of every file under dir, plus, where dir holds a git repository, every object in it. */
export function tracesUnder(dir: string): Trace[] {
  if (!existsSync(dir)) return [];
  const files = filesUnder(dir);
  const out: Trace[] = files.map((f) => ({ where: f, text: readFileSync(f, 'latin1') }));
  const gitDirs = new Set(files.filter((f) => f.endsWith('/HEAD')).map((f) => dirname(f)));
  for (const gitDir of gitDirs) {
    if (!existsSync(join(gitDir, 'objects')) || !existsSync(join(gitDir, 'refs'))) continue;
    const objects = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], { maxBuffer: 1024 * 1024 * 1024 });
    out.push({ where: `git objects of ${gitDir}`, text: objects.toString('latin1') });
  }
  return out;
}

/** Every leak found: which secret (its first characters only) and where. */
export function findLeaks(traces: Trace[], secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const t of traces) {
    for (const s of secrets) if (t.text.includes(s)) leaks.push(`${s.slice(0, 4)}… in ${t.where}`);
    for (const re of perRequestSecret) {
      const m = re.exec(t.text);
      if (m) leaks.push(`${m[0].slice(0, 20)}… in ${t.where}`);
    }
  }
  return leaks;
}
