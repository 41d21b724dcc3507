// The Action end to end, run as the runner runs it: `node dist/index.js` with INPUT_* and GITHUB_* against the
// Projectplace simulator, the local cache service (real @actions/cache over azurite), a local GitHub API and a bare remote.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';
import { startCacheService, type RunningCacheService } from '../../src/sim/github/cache/index.ts';
import { blobSha256, git, repoRoot, startSim, tempDir, type SimFixture } from '../helpers/env.ts';

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** Parses GITHUB_OUTPUT as the runner does: name<<delimiter blocks and name=value lines. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^([^=<]+)<<(.+)$/.exec(line);
    if (m) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== m[2]) body.push(lines[i]!);
      out[m[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('the Action, run as the runner runs it', () => {
  let fx: SimFixture;
  let cache: RunningCacheService;
  let api: RunningGitHubApi;
  let root: string;
  let remote: string;
  let runNumber = 0;

  before(async () => {
    fx = await startSim({ seed: 41, documents: 25, largeDocuments: [2 * 1024 * 1024] });
    cache = await startCacheService();
    api = await startGitHubApi({ owner: 'octo-org', repo: 'backup' });
    root = await tempDir('wb-action-');
    remote = join(root, 'remote.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    git(remote, 'config', 'uploadpack.allowFilter', 'true');
    const seed = join(root, 'seed');
    git(root, 'clone', '-q', remote, seed);
    writeFileSync(join(seed, 'README.md'), '# Our Projectplace backup\n');
    git(seed, 'add', 'README.md');
    git(seed, '-c', 'user.name=Admin', '-c', 'user.email=admin@example.com', 'commit', '-qm', 'Start');
    git(seed, 'push', '-q', 'origin', 'main');
  });
  after(async () => {
    await fx?.close();
    await cache?.close();
    await api?.close();
  });

  /** A fresh job: checkout as the example workflow does it (blobless, sparse, no LFS smudge), then node dist/index.js. */
  async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
    runNumber++;
    const job = join(root, `job-${runNumber}`);
    const workspace = join(job, 'workspace');
    const temp = join(job, 'temp');
    mkdirSync(temp, { recursive: true });
    git(job, 'clone', '-q', '--filter=blob:none', '--no-checkout', `file://${remote}`, workspace);
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
      GITHUB_RUN_ID: String(1000 + runNumber),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_API_URL: api.url,
      GITHUB_EVENT_NAME: 'schedule',
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GIT_LFS_SKIP_SMUDGE: '1',
      ...cache.env,
      'INPUT_HOST': fx.sim.url,
      'INPUT_CLIENT-ID': fx.sim.credentials.clientId,
      'INPUT_CLIENT-SECRET': fx.sim.credentials.clientSecret,
      'INPUT_GITHUB-TOKEN': api.token,
      'INPUT_LFS-THRESHOLD': '1MiB',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'dist/index.js')], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ code: code ?? -1, stdout, stderr, outputs: parseOutputs(readFileSync(files.output!, 'utf8')), summary: readFileSync(files.summary!, 'utf8'), workspace }),
      );
    });
  }

  /** Output as the runner shows it: the ::add-mask:: commands are how secrets get masked, and are not shown. */
  const shown = (text: string) => text.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');

  function assertNoSecrets(run: ActionRun): void {
    assert.ok(run.stdout.includes(`::add-mask::${fx.sim.credentials.clientSecret}`), 'the client secret is registered with the runner for masking');
    const secrets = [fx.sim.credentials.clientSecret, api.token];
    const stateFiles = filesUnder(join(run.workspace, '.git', 'workspace-backup')).filter((f) => f.endsWith('.db'));
    const everything = [shown(run.stdout), shown(run.stderr), run.summary, JSON.stringify(run.outputs), ...stateFiles.map((f) => readFileSync(f, 'latin1'))].join('\n');
    for (const s of secrets) assert.ok(!everything.includes(s), `a secret (${s.slice(0, 4)}…) leaked`);
  }

  async function downloads(): Promise<number> {
    return (await fx.control.requests()).filter((r) => r.method === 'GET' && r.path.startsWith('/1/documents/')).length;
  }

  test('run 1 backs up everything and pushes it, LFS objects included', async () => {
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(Number(r.outputs['documents-added']) >= 25, JSON.stringify(r.outputs));
    assert.equal(r.outputs.complete, 'true');
    assert.equal(git(remote, 'rev-parse', 'main').trim(), r.outputs['commit-sha']);
    assert.match(r.summary, /Projectplace backup: complete/);
    assert.match(r.summary, /\| new \| \d+ \|/);
    // The LFS object reached the remote's LFS store (a file:// remote keeps them under lfs/objects).
    const lfsObjects = filesUnder(remote).filter((f) => /\/lfs\/objects\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f));
    assert.ok(lfsObjects.length >= 1, 'LFS object pushed');
    // The workspace held only the manifest, never the documents.
    assert.ok(!filesUnder(r.workspace).some((f) => f.includes('/Projectplace/')), 'no document on the runner disk');
    assert.ok(cache.entries().length >= 1, 'state saved to the cache');
    assertNoSecrets(r);
  });

  test('run 2 restores the state from the cache and downloads nothing', async () => {
    await fx.control.clearRequests();
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /State restored from the cache/);
    assert.doesNotMatch(r.stdout, /state rebuilt/);
    assert.equal(await downloads(), 0);
    assert.equal(r.outputs['documents-added'], '0');
    assertNoSecrets(r);
  });

  test('run 3, with the cache evicted, rebuilds state from the repo and downloads nothing', async () => {
    await cache.evictAll();
    await fx.control.clearRequests();
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /state rebuilt from the repo's manifest/);
    assert.equal(await downloads(), 0);
  });

  test('run 4 commits just the scripted change', async () => {
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted && i.name.endsWith('.docx')) ?? dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    const before = git(remote, 'rev-parse', 'main').trim();
    await fx.control.clearRequests();
    await fx.control.mutate({ op: 'edit', id: doc.id });
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs['documents-changed'], '1');
    assert.equal(await downloads(), 1);
    const changed = git(remote, 'diff', '--name-only', before, 'main').trim().split('\n');
    const documents = changed.filter((f) => !f.startsWith('.workspace-backup/'));
    assert.equal(documents.length, 1, changed.join(', '));
  });

  test('a full resync after a file was corrupted in the repo restores the right bytes and reports the drift', async () => {
    // Someone pushes a corrupted document to the backup repo.
    const manual = join(root, 'manual');
    git(root, 'clone', '-q', remote, manual);
    const manifestText = git(manual, 'show', 'HEAD:' + git(manual, 'ls-tree', '-r', '--name-only', 'HEAD', '.workspace-backup/manifest/').trim().split('\n')[0]);
    const victim = manifestText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; path: string; lfs?: boolean; sha256?: string; deletedAt?: string }).find((e) => e.kind === 'document' && !e.lfs && !e.deletedAt)!;
    writeFileSync(join(manual, victim.path), 'corrupted');
    git(manual, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qam', 'oops');
    git(manual, 'push', '-q', 'origin', 'main');
    const r = await runAction({ 'full-resync': 'true' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.summary, /Drift repaired/);
    assert.match(r.summary, /\| repaired drift \| 1 \|/);
    assert.equal(blobSha256(remote, victim.path, 'main'), victim.sha256, 'the remote holds the right bytes again');
    assert.ok(Number(r.outputs['documents-changed']) >= 1);
    assert.equal(r.outputs['documents-deleted'], '0');
  });

  test('failing runs open one alert issue and update it; a good run closes it', async () => {
    const bad = await runAction({ 'client-secret': 'definitely-wrong-secret' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /client-id and client-secret/);
    assert.ok(!shown(bad.stdout + bad.stderr + bad.summary).includes('definitely-wrong-secret'));
    let open = api.issues().filter((i) => i.state === 'open');
    assert.equal(open.length, 1);
    const number = open[0]!.number;
    const again = await runAction({ 'client-secret': 'definitely-wrong-secret' });
    assert.notEqual(again.code, 0);
    open = api.issues().filter((i) => i.state === 'open');
    assert.equal(open.length, 1, 'still one issue');
    assert.equal(open[0]!.number, number);
    assert.ok(open[0]!.comments.length >= 1, 'the second failure was added to it');
    const good = await runAction({});
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.equal(api.issues().find((i) => i.number === number)!.state, 'closed');
  });

  test('a dirty dist/ is caught: the committed bundle equals a fresh build', async () => {
    const out = join(root, 'fresh-dist.js');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'scripts/build-dist.ts'), out], { cwd: repoRoot, stdio: 'inherit' });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${code}`))));
    });
    assert.ok(readFileSync(out).equals(readFileSync(join(repoRoot, 'dist/index.js'))), 'dist/index.js is stale: run npm run build and commit dist/');
  });
});
