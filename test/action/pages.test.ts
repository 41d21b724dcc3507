// publishSite against the local GitHub API, artifact and OIDC services: private sites publish, public or unknown ones are refused.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { publishSite, type PublishOptions, type PublishResult } from '../../src/action/pages.ts';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';
import { startArtifactService, type RunningArtifactService } from '../../src/sim/github/artifact/index.ts';
import { startOidcService, type RunningOidcService } from '../../src/sim/github/oidc/index.ts';

const MARKER = '@@pages-result@@';
const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** publishSite in a child process with a clean, runner-like env (@actions/* read process.env); optionally downloads the artifact back. */
const CHILD = `
const { publishSite } = await import(process.env.PAGES_MODULE);
const { Octokit } = await import(process.env.OCTOKIT_MODULE);
const { DefaultArtifactClient } = await import(process.env.ARTIFACT_LIB);
const o = JSON.parse(process.argv[1]);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const octokit = new Octokit({ auth: o.token, baseUrl: o.apiUrl, log: quiet });
if (o.flipPublicOnRecheck) {
  let gets = 0;
  octokit.hook.before('request', async (req) => {
    if (req.method === 'GET' && /\\/pages$/.test(req.url) && ++gets === 2) {
      await octokit.request('PUT /repos/{owner}/{repo}/pages', { owner: o.publish.owner, repo: o.publish.repo, public: true });
    }
  });
}
const lines = [];
const result = await publishSite({ ...o.publish, octokit, log: (l) => lines.push(l) });
let download;
if (o.downloadTo) {
  const client = new DefaultArtifactClient();
  const found = (await client.listArtifacts()).artifacts.filter((a) => a.name === 'github-pages');
  download = { count: found.length, id: found[0] && found[0].id };
  if (found[0]) await client.downloadArtifact(found[0].id, { path: o.downloadTo });
}
process.stdout.write('\\n${MARKER}' + JSON.stringify({ result, lines, download }) + '\\n');
`;

let api: RunningGitHubApi;
let artifacts: RunningArtifactService;
let oidc: RunningOidcService;
let root: string;
let siteDir: string;
let runs = 0;

interface ChildRun {
  result: PublishResult;
  lines: string[];
  download?: { count: number; id?: number };
}

type PublishInput = Omit<PublishOptions, 'octokit' | 'log'>;

function publishInput(extra: Partial<PublishInput> = {}): PublishInput {
  return { siteDir, owner: api.owner, repo: api.repo, allowPublic: false, sha: SHA, tempDir: join(root, 'temp'), pollIntervalMs: 20, timeoutMs: 10_000, ...extra };
}

async function publishInChild(extra: Partial<PublishInput> = {}, opts: { downloadTo?: string; flipPublicOnRecheck?: boolean; env?: Record<string, string | undefined> } = {}): Promise<ChildRun> {
  const workspace = join(root, `ws-${++runs}`);
  await mkdir(workspace, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    ...artifacts.env,
    ...oidc.env,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(root, 'temp'),
    PAGES_MODULE: new URL('../../src/action/pages.ts', import.meta.url).href,
    OCTOKIT_MODULE: import.meta.resolve('@octokit/rest'),
    ARTIFACT_LIB: import.meta.resolve('@actions/artifact'),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const payload = { token: api.token, apiUrl: api.url, publish: publishInput(extra), downloadTo: opts.downloadTo, flipPublicOnRecheck: opts.flipPublicOnRecheck };
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, JSON.stringify(payload)], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  assert.ok(line, `no result from the publish child (exit ${code}):\n${stdout}\n${stderr}`);
  return JSON.parse(line.slice(MARKER.length)) as ChildRun;
}

/** The refusal paths touch only the REST API, so they run in this process. */
async function publishHere(extra: Partial<PublishInput> = {}): Promise<{ result: PublishResult; lines: string[] }> {
  const lines: string[] = [];
  const octokit = new Octokit({ auth: api.token, baseUrl: api.url, log: quiet });
  const result = await publishSite({ ...publishInput(extra), octokit, log: (l) => lines.push(l) });
  return { result, lines };
}

const deploymentPosts = (): number => api.requests().filter((r) => r.method === 'POST' && /\/pages\/deployments$/.test(r.path)).length;
const reasonOf = (r: PublishResult): string => (r.published ? assert.fail(`expected a refusal, got a deployment to ${r.url}`) : r.reason);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wb-pages-test-'));
  siteDir = join(root, 'site');
  await mkdir(join(siteDir, 'assets'), { recursive: true });
  await mkdir(join(siteDir, '.git'), { recursive: true });
  await writeFile(join(siteDir, 'index.html'), '<!doctype html><title>Backup</title><h1>Projectplace backup</h1>\n');
  await writeFile(join(siteDir, 'assets', 'app.css'), 'body { margin: 0 }\n');
  await writeFile(join(siteDir, '.hidden'), 'not for the site\n');
  await writeFile(join(siteDir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  [api, artifacts] = await Promise.all([startGitHubApi({ owner: 'octo-org', repo: 'backup' }), startArtifactService()]);
  oidc = await startOidcService({ requestToken: artifacts.env.ACTIONS_RUNTIME_TOKEN, repository: 'octo-org/backup' });
  api.setPagesHooks({ artifactExists: (id) => artifacts.artifact(id) !== undefined, verifyOidcToken: (t) => oidc.verify(t) !== undefined });
});
after(async () => {
  await Promise.all([api?.close(), artifacts?.close(), oidc?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  api.setPages({ enabled: true, public: false, buildType: 'workflow', pollsInProgress: 2, outcome: 'succeed' });
  api.setSwitches({ permissions: { pages: 'write' } });
});

describe('publishSite refuses where the site is or may be public', () => {
  it('public: true is refused before anything is uploaded, and says what to do', async () => {
    api.setPages({ public: true });
    const calls = artifacts.calls().length;
    const { result } = await publishHere();
    const reason = reasonOf(result);
    assert.match(reason, /is public/);
    assert.match(reason, /https:\/\/octo-org\.github\.io\/backup\//);
    assert.match(reason, /GitHub Enterprise Cloud/);
    assert.match(reason, /allow-public-pages/);
    assert.equal(deploymentPosts(), 0);
    assert.equal(artifacts.calls().length, calls);
  });

  it('a missing `public` field counts as public', async () => {
    api.setPages({ public: 'missing' });
    const reason = reasonOf((await publishHere()).result);
    assert.match(reason, /no "public" field/);
    assert.match(reason, /treated as public/);
    assert.match(reason, /allow-public-pages/);
    assert.equal(deploymentPosts(), 0);
  });

  it('Pages off is refused with how to enable it', async () => {
    api.setPages({ enabled: false });
    const reason = reasonOf((await publishHere()).result);
    assert.match(reason, /not enabled/);
    assert.match(reason, /GitHub Actions/);
    assert.match(reason, /GitHub Enterprise Cloud/);
    assert.equal(deploymentPosts(), 0);
    // allow-public-pages cannot help when there is no site.
    assert.match(reasonOf((await publishHere({ allowPublic: true })).result), /not enabled/);
  });

  it('a token without pages permission is told which permissions to grant', async () => {
    api.setSwitches({ permissions: { pages: 'none' } });
    const reason = reasonOf((await publishHere()).result);
    assert.match(reason, /403/);
    assert.match(reason, /pages: write/);
    assert.match(reason, /id-token: write/);
  });
});

describe('publishSite deploys a private site', () => {
  it('private site: uploads a valid tar as github-pages, deploys with an OIDC token, polls to succeed', async () => {
    const out = join(root, 'downloaded');
    const before = deploymentPosts();
    const run = await publishInChild({}, { downloadTo: out });
    assert.ok(run.result.published, `not published: ${run.result.published ? '' : run.result.reason}\n${run.lines.join('\n')}`);
    assert.match(run.result.url, /^https:\/\/[a-z0-9-]+\.pages\.github\.io\/$/);
    assert.equal(run.result.deploymentId, SHA);
    assert.equal(deploymentPosts(), before + 1);

    const [dep] = api.pagesDeployments().filter((d) => d.id === SHA);
    assert.ok(dep);
    assert.equal(dep.status, 'succeed');
    assert.equal(dep.polls, 3);
    assert.ok(oidc.verify(dep.oidcToken), 'the deployment carries a token from the OIDC service');
    assert.equal(run.download?.count, 1);
    assert.equal(run.download?.id, dep.artifactId);
    const art = artifacts.artifact(dep.artifactId);
    assert.ok(art);
    assert.equal(art.name, 'github-pages');
    assert.ok(art.expiresAt && Date.parse(art.expiresAt) - Date.now() < 25 * 3600 * 1000, 'retention of one day');

    const tar = join(out, 'artifact.tar');
    const listing = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(listing.includes('./index.html'), listing.join(', '));
    assert.ok(listing.includes('./assets/app.css'));
    assert.ok(!listing.some((p) => /\/\.(hidden|git)/.test(p)), `hidden files left out: ${listing.join(', ')}`);
    const extracted = join(root, 'extracted');
    await mkdir(extracted);
    execFileSync('tar', ['-xf', tar, '-C', extracted]);
    assert.equal(await readFile(join(extracted, 'index.html'), 'utf8'), await readFile(join(siteDir, 'index.html'), 'utf8'));
  });

  it('allowPublic publishes a public site (with a warning in the log)', async () => {
    api.setPages({ public: true });
    const run = await publishInChild({ allowPublic: true });
    assert.ok(run.result.published, run.result.published ? '' : run.result.reason);
    assert.equal(run.result.url, 'https://octo-org.github.io/backup/');
    assert.ok(run.lines.some((l) => /PUBLIC/.test(l) && /allow-public-pages/.test(l)));
  });

  it('a failed deployment is reported as not published, with the reason', async () => {
    api.setPages({ outcome: 'deployment_content_failed', pollsInProgress: 1 });
    const run = await publishInChild();
    const reason = reasonOf(run.result);
    assert.match(reason, /deployment_content_failed/);
    assert.match(reason, /symlinks/);
  });

  it('a deployment that never finishes is cancelled at the timeout', async () => {
    api.setPages({ outcome: 'never' });
    const run = await publishInChild({ timeoutMs: 400 });
    assert.match(reasonOf(run.result), /did not finish/);
    assert.equal(api.pagesDeployments().find((d) => d.id === SHA)?.status, 'deployment_cancelled');
    assert.ok(api.requests().some((r) => r.method === 'POST' && r.path.endsWith(`/pages/deployments/${SHA}/cancel`)));
  });

  it('without id-token: write (no OIDC env) nothing is uploaded and the reason names the permission', async () => {
    const calls = artifacts.calls().length;
    const run = await publishInChild({}, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } });
    assert.match(reasonOf(run.result), /id-token: write/);
    assert.equal(artifacts.calls().length, calls);
  });

  it('a site made public while uploading is caught by the recheck: no deployment, artifact removed', async () => {
    const posts = deploymentPosts();
    const calls = artifacts.calls().length;
    const run = await publishInChild({}, { flipPublicOnRecheck: true });
    const reason = reasonOf(run.result);
    assert.match(reason, /checked again right before deploying/);
    assert.equal(deploymentPosts(), posts);
    const methods = artifacts.calls().slice(calls).map((c) => `${c.method} ${c.status}`);
    assert.ok(methods.includes('FinalizeArtifact 200'), `the site was uploaded before the recheck: ${methods.join(', ')}`);
    assert.equal(methods.at(-1), 'DeleteArtifact 200');
    assert.equal(artifacts.artifacts().filter((a) => a.name === 'github-pages').length, 0);
  });
});
