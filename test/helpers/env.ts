// Shared test fixtures: a simulator per test, a temp backup repo, the CLI as a child process, git read-outs.

import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectplaceConnector } from '../../src/connectors/projectplace/index.ts';
import { sync, type SyncOptions, type SyncReport } from '../../src/engine/sync.ts';
import { SimControl } from '../../src/sim/control-client.ts';
import { startProjectplaceSim, type RunningSim, type SimOptions } from '../../src/sim/projectplace/index.ts';

export const repoRoot = new URL('../..', import.meta.url).pathname;

const made: string[] = [];
process.once('exit', () => {
  // Each test file runs in its own process: its temp repos go when it ends (WB_KEEP_TMP=1 keeps them to look at).
  if (process.env.WB_KEEP_TMP) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

/** A fresh temp folder, removed when this test process exits. */
export async function tempDir(prefix = 'wb-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface SimFixture {
  sim: RunningSim;
  control: SimControl;
  close(): Promise<void>;
}

export async function startSim(opts: SimOptions = {}): Promise<SimFixture> {
  const sim = await startProjectplaceSim({ seed: 7, workspaces: 3, documents: 30, ...opts });
  return { sim, control: new SimControl(sim.url), close: () => sim.close() };
}

export function oauth1Config(sim: RunningSim, repoPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: sim.url,
    'consumer-key': sim.credentials.consumerKey,
    'consumer-secret': sim.credentials.consumerSecret,
    'access-token': sim.credentials.accessToken,
    'access-token-secret': sim.credentials.accessTokenSecret,
    'repo-path': repoPath,
    ...extra,
  };
}

export function connectorFor(sim: RunningSim, kind: 'oauth1' | 'oauth2' = 'oauth1', workspaceIds?: string[]): ProjectplaceConnector {
  const c = sim.credentials;
  return new ProjectplaceConnector({
    host: sim.url,
    auth:
      kind === 'oauth1'
        ? { kind, consumerKey: c.consumerKey, consumerSecret: c.consumerSecret, accessToken: c.accessToken, accessTokenSecret: c.accessTokenSecret }
        : { kind, clientId: c.clientId, clientSecret: c.clientSecret },
    workspaceIds,
  });
}

/** One engine run with fast retries (tests should not sleep for production backoff). */
export async function runSync(sim: RunningSim, repoDir: string, opts: Partial<SyncOptions> & { auth?: 'oauth1' | 'oauth2' } = {}): Promise<SyncReport> {
  const { auth, ...rest } = opts;
  return sync({ connector: connectorFor(sim, auth), repoDir, retry: { baseDelayMs: 20, maxDelayMs: 200, attempts: 8 }, ...rest });
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

export function gitFiles(dir: string, ref = 'HEAD'): string[] {
  return git(dir, 'ls-tree', '-r', '-z', '--name-only', ref).split('\0').filter(Boolean);
}

export function commitCount(dir: string): number {
  return Number(git(dir, 'rev-list', '--count', 'HEAD').trim());
}

export function blobSha256(dir: string, path: string, ref = 'HEAD'): string {
  const bytes = execFileSync('git', ['cat-file', 'blob', `${ref}:${path}`], { cwd: dir, maxBuffer: 256 * 1024 * 1024 });
  return createHashHex(bytes);
}

function createHashHex(b: Buffer): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(b).digest('hex');
}

export interface ManifestLine {
  id: string;
  kind: string;
  name: string;
  path: string;
  sha256?: string;
  size?: number;
  lfs?: boolean;
  deletedAt?: string;
  archivedAt?: string;
  container: string;
  modifier?: { id: string; name: string; email?: string };
  modifiedAt?: string;
}

export function manifest(dir: string, ref = 'HEAD'): Map<string, ManifestLine> {
  const files = gitFiles(dir, ref).filter((f) => f.startsWith('.workspace-backup/manifest/'));
  const out = new Map<string, ManifestLine>();
  for (const f of files) {
    for (const line of git(dir, 'cat-file', 'blob', `${ref}:${f}`).split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as ManifestLine;
      out.set(e.id, e);
    }
  }
  return out;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: a child process of Node 24 on the TypeScript sources. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function writeConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'backup.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Every file below dir, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}
