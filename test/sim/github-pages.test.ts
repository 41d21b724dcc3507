// The local GitHub API's Pages routes spoken to with plain fetch: visibility answers, deployments, status polling, switches.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';
import { pagesControl } from '../../src/sim/github/api/pages.ts';

let api: RunningGitHubApi;
let repoPath: string;
const SHA = '4fd754f7e594640989b406850d0bc8f06a121251';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

before(async () => {
  api = await startGitHubApi({ owner: 'Acme', repo: 'pp-backup' });
  repoPath = `/repos/${api.owner}/${api.repo}`;
});
after(() => api.close());
beforeEach(() => {
  api.setPages({ enabled: true, public: false, buildType: 'workflow', cname: null, pollsInProgress: 2, outcome: 'succeed' });
  api.setSwitches({ permissions: { pages: 'write' } });
  api.setPagesHooks({});
  api.state.pages.deployments.length = 0;
});

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', authorization: `Bearer ${api.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const deploy = (extra: Record<string, unknown> = {}): Promise<Answer> =>
  call('POST', `${repoPath}/pages/deployments`, { artifact_id: 7, pages_build_version: SHA, oidc_token: JWT, ...extra });

describe('Pages site', () => {
  it('is 404 while Pages is off (the default), for the site and for deployments', async () => {
    const fresh = await startGitHubApi();
    try {
      const r = await fetch(`${fresh.url}/repos/${fresh.owner}/${fresh.repo}/pages`, { headers: { authorization: `Bearer ${fresh.token}` } });
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { message: string }).message, 'Not Found');
    } finally {
      await fresh.close();
    }
    api.setPages({ enabled: false });
    assert.equal((await call('GET', `${repoPath}/pages`)).status, 404);
    assert.equal((await deploy()).status, 404);
    assert.equal((await call('PUT', `${repoPath}/pages`, { public: false })).status, 404);
  });

  it('answers the documented object; `public` follows the switch, and is left out when it says missing', async () => {
    const priv = await call('GET', `${repoPath}/pages`);
    assert.equal(priv.status, 200);
    const b = priv.body!;
    assert.equal(b.public, false);
    assert.equal(b.build_type, 'workflow');
    assert.equal(b.url, `${api.url}${repoPath}/pages`);
    assert.match(String(b.html_url), /^https:\/\/[a-z0-9-]+\.pages\.github\.io\/$/);
    for (const k of ['status', 'cname', 'custom_404', 'https_enforced']) assert.ok(k in b, k);

    api.setPages({ public: true });
    const pub = (await call('GET', `${repoPath}/pages`)).body!;
    assert.equal(pub.public, true);
    assert.equal(pub.html_url, 'https://acme.github.io/pp-backup/');

    api.setPages({ public: 'missing' });
    const missing = (await call('GET', `${repoPath}/pages`)).body!;
    assert.ok(!('public' in missing));

    api.setPages({ buildType: 'legacy' });
    const legacy = (await call('GET', `${repoPath}/pages`)).body!;
    assert.deepEqual(legacy.source, { branch: 'main', path: '/' });
  });

  it('PUT sets `public` (204) and validates the body', async () => {
    api.setPages({ public: true });
    const put = await call('PUT', `${repoPath}/pages`, { public: false });
    assert.equal(put.status, 204);
    assert.equal(put.body, null);
    assert.equal((await call('GET', `${repoPath}/pages`)).body!.public, false);
    assert.equal((await call('PUT', `${repoPath}/pages`, { public: 'no' })).status, 422);
    assert.equal((await call('PUT', `${repoPath}/pages`, {})).status, 422);
  });

  it('POST /pages turns Pages on, and is 409 when it already is', async () => {
    api.setPages({ enabled: false });
    const created = await call('POST', `${repoPath}/pages`, { build_type: 'workflow' });
    assert.equal(created.status, 201);
    assert.equal(created.body!.build_type, 'workflow');
    assert.equal((await call('POST', `${repoPath}/pages`, { build_type: 'workflow' })).status, 409);
  });

  it('needs pages: read to look, and says which permission was missing', async () => {
    api.setSwitches({ permissions: { pages: 'none' } });
    const r = await fetch(`${api.url}${repoPath}/pages`, { headers: { authorization: `Bearer ${api.token}` } });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('x-accepted-github-permissions'), 'pages=read');
  });
});

describe('Pages deployments', () => {
  it('creates a deployment (200 id/status_url/page_url), in progress for two polls, then succeed', async () => {
    const d = await deploy();
    assert.equal(d.status, 200);
    assert.equal(d.body!.id, SHA);
    assert.equal(d.body!.status_url, `${api.url}${repoPath}/pages/deployments/${SHA}`);
    assert.match(String(d.body!.page_url), /\.pages\.github\.io\/$/);
    const statusPath = new URL(String(d.body!.status_url)).pathname;
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) seen.push((await call('GET', statusPath)).body!.status);
    assert.deepEqual(seen, ['deployment_in_progress', 'deployment_in_progress', 'succeed', 'succeed']);
    assert.equal((await call('GET', `${repoPath}/pages`)).body!.status, 'built');
    const [rec] = api.pagesDeployments();
    assert.equal(rec!.artifactId, 7);
    assert.equal(rec!.buildVersion, SHA);
    assert.equal(rec!.environment, 'github-pages');
  });

  it('a deployment fails when the switch says so', async () => {
    api.setPages({ outcome: 'deployment_failed', pollsInProgress: 1 });
    await deploy();
    const path = `${repoPath}/pages/deployments/${SHA}`;
    assert.equal((await call('GET', path)).body!.status, 'deployment_in_progress');
    assert.equal((await call('GET', path)).body!.status, 'deployment_failed');
  });

  it('cancel (204) stops one that never finishes; unknown ids are 404', async () => {
    api.setPages({ outcome: 'never' });
    await deploy();
    const path = `${repoPath}/pages/deployments/${SHA}`;
    for (let i = 0; i < 5; i++) assert.equal((await call('GET', path)).body!.status, 'deployment_in_progress');
    const c = await call('POST', `${path}/cancel`);
    assert.equal(c.status, 204);
    assert.equal((await call('GET', path)).body!.status, 'deployment_cancelled');
    assert.equal((await call('GET', `${repoPath}/pages/deployments/nope`)).status, 404);
    assert.equal((await call('POST', `${repoPath}/pages/deployments/nope/cancel`)).status, 404);
  });

  it('403 without pages: write, with the header GitHub sends', async () => {
    api.setSwitches({ permissions: { pages: 'read' } });
    const r = await deploy();
    assert.equal(r.status, 403);
    assert.equal(r.body!.message, 'Resource not accessible by integration');
    assert.equal(api.pagesDeployments().length, 0);
  });

  it('validates the body: artifact, build version and OIDC token are required', async () => {
    assert.equal((await call('POST', `${repoPath}/pages/deployments`, { pages_build_version: SHA, oidc_token: JWT })).status, 422);
    assert.equal((await call('POST', `${repoPath}/pages/deployments`, { artifact_id: 7, oidc_token: JWT })).status, 422);
    assert.equal((await call('POST', `${repoPath}/pages/deployments`, { artifact_id: 7, pages_build_version: SHA })).status, 422);
    assert.equal((await deploy({ artifact_id: '7' })).status, 422);
    assert.equal((await deploy({ oidc_token: 'not-a-jwt' })).status, 400);
  });

  it('asks the hooks whether the artifact exists and the OIDC token is good', async () => {
    const asked: number[] = [];
    api.setPagesHooks({ artifactExists: (id) => (asked.push(id), id === 7), verifyOidcToken: (t) => t === JWT });
    assert.equal((await deploy()).status, 200);
    const missing = await deploy({ artifact_id: 8 });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body!.message), /Artifact 8/);
    assert.deepEqual(asked, [7, 8]);
    assert.equal((await deploy({ oidc_token: `${JWT}x` })).status, 400);
  });

  it('pagesControl reads and flips the switches for child-process tests', async () => {
    const req = (method: string, body: unknown) => ({
      method,
      path: '/__sim/pages',
      rawQuery: '',
      query: new URLSearchParams(),
      headers: {},
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      apiOrigin: api.url,
    });
    const set = pagesControl(api.state, req('POST', { public: 'missing', outcome: 'deployment_content_failed' }));
    assert.equal(set?.status, 200);
    assert.equal(api.pages().public, 'missing');
    assert.equal(api.pages().outcome, 'deployment_content_failed');
    assert.equal(pagesControl(api.state, req('POST', { public: 'maybe' }))?.status, 400);
    assert.equal(pagesControl(api.state, { ...req('GET', undefined), path: '/__sim/other' }), undefined);
  });
});
