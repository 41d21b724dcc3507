// The local GitHub REST API spoken to with plain fetch: auth, 404s, issues, comments, Link pagination, failure switches.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';

let api: RunningGitHubApi;
let repoPath: string;

before(async () => {
  api = await startGitHubApi({ owner: 'acme', repo: 'pp-backup' });
  repoPath = `/repos/${api.owner}/${api.repo}`;
});
after(() => api.close());

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown, auth: string | null = `Bearer ${api.token}`): Promise<Answer> {
  const url = path.startsWith('http') ? path : api.url + path;
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (auth !== null) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => v as Obj;
const list = (v: unknown): Obj[] => v as Obj[];

function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

describe('GitHub API simulator: auth', () => {
  it('accepts Bearer, token and Basic (token as password)', async () => {
    for (const auth of [`Bearer ${api.token}`, `token ${api.token}`, `Basic ${Buffer.from(`x-access-token:${api.token}`).toString('base64')}`]) {
      const r = await call('GET', `${repoPath}/issues`, undefined, auth);
      assert.equal(r.status, 200, auth.split(' ')[0]);
    }
  });

  it('answers 401 Bad credentials to a wrong token, and Requires authentication to none', async () => {
    const bad = await call('GET', `${repoPath}/issues`, undefined, 'Bearer ghs_wrong');
    assert.equal(bad.status, 401);
    assert.equal(obj(bad.body).message, 'Bad credentials');
    assert.match(String(obj(bad.body).documentation_url), /^https:\/\/docs\.github\.com\//);
    assert.equal(obj(bad.body).status, '401');
    const none = await call('GET', `${repoPath}/issues`, undefined, null);
    assert.equal(none.status, 401);
    assert.equal(obj(none.body).message, 'Requires authentication');
    // A bad token is refused before the path is even looked at.
    assert.equal((await call('GET', '/repos/nobody/nothing/issues', undefined, 'token nope')).status, 401);
  });

  it('sends the rate-limit headers on authenticated answers', async () => {
    const r = await call('GET', repoPath);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-limit'), '1000');
    assert.ok(Number(r.headers.get('x-ratelimit-remaining')) < 1000);
    assert.ok(Number(r.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
    assert.equal(r.headers.get('x-ratelimit-resource'), 'core');
  });
});

describe('GitHub API simulator: not found', () => {
  it('answers 404 {"message":"Not Found"} for an unknown repository, path or issue', async () => {
    for (const path of ['/repos/acme/other/issues', '/repos/someone/pp-backup/issues', `${repoPath}/nothing-here`, `${repoPath}/issues/999`, `${repoPath}/issues/999/comments`]) {
      const r = await call('GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(obj(r.body).message, 'Not Found', path);
    }
    const post = await call('POST', '/repos/acme/other/issues', { title: 'x' });
    assert.equal(post.status, 404);
    // GitHub answers 404, not 405, to a method a path does not have.
    assert.equal((await call('DELETE', `${repoPath}/issues`)).status, 404);
  });

  it('treats owner and repository names case-insensitively, and answers /repositories/{id} too', async () => {
    assert.equal((await call('GET', '/repos/ACME/PP-Backup/issues')).status, 200);
    const repo = obj((await call('GET', repoPath)).body);
    assert.equal(repo.full_name, 'acme/pp-backup');
    assert.equal((await call('GET', `/repositories/${String(repo.id)}/issues`)).status, 200);
    assert.equal((await call('GET', '/repositories/1/issues')).status, 404);
  });
});

describe('GitHub API simulator: issues and comments', () => {
  beforeEach(() => {
    api.setSwitches({ permissions: { issues: 'write' }, issuesEnabled: true });
  });

  it('creates an issue (201) in GitHub\'s shape, with labels created on use', async () => {
    const r = await call('POST', `${repoPath}/issues`, { title: 'Backup failed', body: 'see run', labels: ['workspace-backup', { name: 'urgent' }] });
    assert.equal(r.status, 201);
    const i = obj(r.body);
    assert.equal(typeof i.id, 'number');
    assert.equal(typeof i.number, 'number');
    assert.equal(i.title, 'Backup failed');
    assert.equal(i.body, 'see run');
    assert.equal(i.state, 'open');
    assert.equal(i.state_reason, null);
    assert.equal(i.comments, 0);
    assert.deepEqual(list(i.labels).map((l) => l.name), ['workspace-backup', 'urgent']);
    assert.equal(list(i.labels)[0]!.color, 'ededed');
    assert.equal(i.url, `${api.url}${repoPath}/issues/${String(i.number)}`);
    assert.equal(i.html_url, `https://github.com/acme/pp-backup/issues/${String(i.number)}`);
    assert.equal(obj(i.user).login, 'github-actions[bot]');
    assert.equal(obj(i.user).type, 'Bot');
    assert.equal(r.headers.get('location'), i.url);
    assert.match(String(i.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const labels = list((await call('GET', `${repoPath}/labels`)).body).map((l) => l.name);
    assert.ok(labels.includes('workspace-backup') && labels.includes('urgent'));
    const again = await call('POST', `${repoPath}/issues`, { title: 'other', labels: ['WORKSPACE-BACKUP'] });
    assert.deepEqual(list(obj(again.body).labels).map((l) => l.name), ['workspace-backup'], 'label names are case-insensitive');
  });

  it('validates the body as GitHub does', async () => {
    const noTitle = await call('POST', `${repoPath}/issues`, { body: 'x' });
    assert.equal(noTitle.status, 422);
    assert.match(String(obj(noTitle.body).message), /"title" wasn't supplied/);
    const empty = await call('POST', `${repoPath}/issues`, { title: '  ' });
    assert.equal(empty.status, 422);
    assert.equal(obj(empty.body).message, 'Validation Failed');
    assert.deepEqual(list(obj(empty.body).errors)[0], { resource: 'Issue', code: 'missing_field', field: 'title' });
    const long = await call('POST', `${repoPath}/issues`, { title: 't', body: 'x'.repeat(65537) });
    assert.equal(long.status, 422);
    assert.match(JSON.stringify(long.body), /body is too long \(maximum is 65536 characters\)/);
    const broken = await call('POST', `${repoPath}/issues`, '{"title": ');
    assert.equal(broken.status, 400);
    assert.equal(obj(broken.body).message, 'Problems parsing JSON');
    const badState = await call('GET', `${repoPath}/issues?state=sometimes`);
    assert.equal(badState.status, 422);
  });

  it('lists open issues newest first by default, filters by state and labels (all of them), and puts pull requests in', async () => {
    const fresh = await startGitHubApi();
    try {
      const p = `/repos/${fresh.owner}/${fresh.repo}`;
      const get = async (path: string): Promise<Obj[]> => {
        const r = await fetch(fresh.url + path, { headers: { authorization: `token ${fresh.token}` } });
        assert.equal(r.status, 200, path);
        return list(await r.json());
      };
      fresh.addIssue({ title: 'a', labels: ['x'] });
      fresh.addIssue({ title: 'b', labels: ['x', 'y'] });
      fresh.addIssue({ title: 'c', labels: ['x'], state: 'closed' });
      fresh.addIssue({ title: 'pr', labels: ['x'], pullRequest: true, user: 'alice' });
      assert.deepEqual((await get(`${p}/issues`)).map((i) => i.title), ['pr', 'b', 'a']);
      assert.deepEqual((await get(`${p}/issues?sort=created&direction=asc`)).map((i) => i.title), ['a', 'b', 'pr']);
      assert.deepEqual((await get(`${p}/issues?state=closed`)).map((i) => i.title), ['c']);
      assert.deepEqual((await get(`${p}/issues?state=all&labels=x,Y`)).map((i) => i.title), ['b']);
      assert.deepEqual((await get(`${p}/issues?creator=alice`)).map((i) => i.title), ['pr']);
      const pr = (await get(`${p}/issues`))[0]!;
      assert.ok(pr.pull_request, 'pull requests carry pull_request');
      assert.equal((await get(`${p}/issues`))[1]!.pull_request, undefined);
    } finally {
      await fresh.close();
    }
  });

  it('updates title, body, labels and state, with state_reason and closed_at', async () => {
    const created = obj((await call('POST', `${repoPath}/issues`, { title: 'to edit', labels: ['a'] })).body);
    const n = created.number as number;
    const edited = await call('PATCH', `${repoPath}/issues/${n}`, { title: 'edited', body: 'new body', labels: ['b'] });
    assert.equal(edited.status, 200);
    assert.equal(obj(edited.body).title, 'edited');
    assert.equal(obj(edited.body).body, 'new body');
    assert.deepEqual(list(obj(edited.body).labels).map((l) => l.name), ['b']);
    const closed = obj((await call('PATCH', `${repoPath}/issues/${n}`, { state: 'closed' })).body);
    assert.equal(closed.state, 'closed');
    assert.equal(closed.state_reason, 'completed');
    assert.match(String(closed.closed_at), /Z$/);
    assert.equal(obj(closed.closed_by).login, 'github-actions[bot]');
    const reopened = obj((await call('PATCH', `${repoPath}/issues/${n}`, { state: 'open' })).body);
    assert.equal(reopened.state_reason, 'reopened');
    assert.equal(reopened.closed_at, null);
    const notPlanned = obj((await call('PATCH', `${repoPath}/issues/${n}`, { state: 'closed', state_reason: 'not_planned' })).body);
    assert.equal(notPlanned.state_reason, 'not_planned');
    assert.equal((await call('PATCH', `${repoPath}/issues/${n}`, { state: 'shut' })).status, 422);
    assert.equal((await call('PATCH', `${repoPath}/issues/${n}`, { state_reason: 'because' })).status, 422);
    const snap = api.issues().find((i) => i.number === n)!;
    assert.equal(snap.state, 'closed');
    assert.equal(snap.title, 'edited');
  });

  it('adds (201) and lists comments, counting them on the issue', async () => {
    const n = obj((await call('POST', `${repoPath}/issues`, { title: 'talk' })).body).number as number;
    const c1 = await call('POST', `${repoPath}/issues/${n}/comments`, { body: 'first' });
    assert.equal(c1.status, 201);
    assert.equal(obj(c1.body).body, 'first');
    assert.equal(obj(c1.body).issue_url, `${api.url}${repoPath}/issues/${n}`);
    assert.match(String(obj(c1.body).html_url), new RegExp(`/issues/${n}#issuecomment-\\d+$`));
    await call('POST', `${repoPath}/issues/${n}/comments`, { body: 'second' });
    assert.equal((await call('POST', `${repoPath}/issues/${n}/comments`, {})).status, 422);
    const comments = await call('GET', `${repoPath}/issues/${n}/comments`);
    assert.deepEqual(list(comments.body).map((c) => c.body), ['first', 'second']);
    assert.equal(obj((await call('GET', `${repoPath}/issues/${n}`)).body).comments, 2);
    assert.deepEqual(api.issues().find((i) => i.number === n)!.comments, ['first', 'second']);
  });

  it('paginates with per_page/page and a Link header GitHub-style (prev, next, last, first) that can be followed', async () => {
    const fresh = await startGitHubApi();
    try {
      for (let k = 1; k <= 7; k++) fresh.addIssue({ title: `i${k}`, labels: ['many'] });
      const headers = { authorization: `Bearer ${fresh.token}` };
      const first = await fetch(`${fresh.url}/repos/${fresh.owner}/${fresh.repo}/issues?labels=many&per_page=3&direction=asc&sort=created`, { headers });
      const l1 = links(first.headers.get('link'));
      assert.deepEqual(Object.keys(l1).sort(), ['last', 'next']);
      assert.match(l1.next!, /\/repositories\/\d+\/issues\?/);
      assert.match(l1.next!, /page=2/);
      assert.match(l1.next!, /labels=many/);
      assert.match(l1.last!, /page=3/);
      const titles = list(await first.json()).map((i) => i.title);
      let next: string | undefined = l1.next;
      let pages = 1;
      while (next) {
        const r = await fetch(next, { headers });
        assert.equal(r.status, 200);
        titles.push(...list(await r.json()).map((i) => i.title));
        const l = links(r.headers.get('link'));
        assert.ok(l.prev && l.first, 'later pages link back');
        next = l.next;
        pages++;
      }
      assert.equal(pages, 3);
      assert.deepEqual(titles, ['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7']);
      const one = await fetch(`${fresh.url}/repos/${fresh.owner}/${fresh.repo}/issues?per_page=100`, { headers });
      assert.equal(one.headers.get('link'), null, 'no Link header when one page holds everything');
      const beyond = await fetch(`${fresh.url}/repos/${fresh.owner}/${fresh.repo}/issues?per_page=3&page=9`, { headers });
      assert.deepEqual(await beyond.json(), []);
    } finally {
      await fresh.close();
    }
  });
});

describe('GitHub API simulator: failure switches', () => {
  beforeEach(() => {
    api.setSwitches({ permissions: { issues: 'write' }, issuesEnabled: true, rateLimit: 1000 });
  });
  after(() => {
    api.setSwitches({ permissions: { issues: 'write' }, issuesEnabled: true, rateLimit: 1000 });
  });

  it('issues: read makes writes answer 403 Resource not accessible by integration, naming the permission', async () => {
    const n = obj((await call('POST', `${repoPath}/issues`, { title: 'before' })).body).number as number;
    api.setSwitches({ permissions: { issues: 'read' } });
    const create = await call('POST', `${repoPath}/issues`, { title: 'x' });
    assert.equal(create.status, 403);
    assert.equal(obj(create.body).message, 'Resource not accessible by integration');
    assert.equal(create.headers.get('x-accepted-github-permissions'), 'issues=write');
    assert.equal((await call('POST', `${repoPath}/issues/${n}/comments`, { body: 'x' })).status, 403);
    assert.equal((await call('PATCH', `${repoPath}/issues/${n}`, { state: 'closed' })).status, 403);
    assert.equal((await call('GET', `${repoPath}/issues`)).status, 200, 'reading still works');
    api.setSwitches({ permissions: { issues: 'none' } });
    const read = await call('GET', `${repoPath}/issues`);
    assert.equal(read.status, 403);
    assert.equal(read.headers.get('x-accepted-github-permissions'), 'issues=read');
  });

  it('issuesEnabled: false makes issue creation and issue reads answer 410, while the list shows only pull requests', async () => {
    const n = obj((await call('POST', `${repoPath}/issues`, { title: 'before off' })).body).number as number;
    api.setSwitches({ issuesEnabled: false });
    const create = await call('POST', `${repoPath}/issues`, { title: 'x' });
    assert.equal(create.status, 410);
    assert.equal(obj(create.body).message, 'Issues are disabled for this repo');
    assert.equal((await call('GET', `${repoPath}/issues/${n}`)).status, 410);
    assert.equal((await call('POST', `${repoPath}/issues/${n}/comments`, { body: 'x' })).status, 410);
    const listed = await call('GET', `${repoPath}/issues`);
    assert.equal(listed.status, 200);
    assert.ok(list(listed.body).every((i) => i.pull_request !== undefined));
    assert.equal(obj((await call('GET', repoPath)).body).has_issues, false);
  });

  it('can be flipped over the control API, which also serves the request log', async () => {
    const set = await fetch(`${api.url}/__sim/switches`, { method: 'POST', body: JSON.stringify({ permissions: { issues: 'read' } }) });
    assert.equal(set.status, 200);
    assert.equal((await call('POST', `${repoPath}/issues`, { title: 'x' })).status, 403);
    const bad = await fetch(`${api.url}/__sim/switches`, { method: 'POST', body: JSON.stringify({ nonsense: 1 }) });
    assert.equal(bad.status, 400);
    const log = (await (await fetch(`${api.url}/__sim/requests`)).json()) as Array<{ method: string; path: string; status: number }>;
    assert.ok(log.some((e) => e.method === 'POST' && e.path === `${repoPath}/issues` && e.status === 403));
    assert.ok(api.requests().some((e) => e.status === 403));
  });

  it('answers 403 rate limit exceeded once the hourly budget is used', async () => {
    const used = api.state.rate.used;
    api.setSwitches({ rateLimit: used + 1 });
    assert.equal((await call('GET', `${repoPath}/issues`)).status, 200);
    const r = await call('GET', `${repoPath}/issues`);
    assert.equal(r.status, 403);
    assert.match(String(obj(r.body).message), /rate limit exceeded/);
    assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
  });
});
