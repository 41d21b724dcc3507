// The alert issue logic driving the real @octokit/rest against the local GitHub API: open, update, close, and errors.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { DEFAULT_ALERT_LABEL, DEFAULT_ALERT_TITLE, reportRunToIssue, type AlertOptions, type RunOutcome } from '../../src/action/alert-issue.ts';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';

let api: RunningGitHubApi;
let lines: string[];

beforeEach(async () => {
  api = await startGitHubApi({ owner: 'acme', repo: 'pp-backup' });
  lines = [];
});
afterEach(() => api.close());

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const octokitFor = (token: string): Octokit => new Octokit({ auth: token, baseUrl: api.url, log: quiet });

function options(extra: Partial<AlertOptions> = {}): AlertOptions {
  return {
    octokit: octokitFor(api.token),
    owner: api.owner,
    repo: api.repo,
    log: (l) => lines.push(l),
    now: () => new Date('2025-03-04T02:05:00Z'),
    ...extra,
  };
}

const run = (id: number, status: RunOutcome['status'], summary = `Run ${id}: 3 documents failed to download.`): RunOutcome => ({
  status,
  runUrl: `https://github.com/acme/pp-backup/actions/runs/${id}`,
  summary,
});

const openIssues = (): ReturnType<RunningGitHubApi['issues']> => api.issues().filter((i) => i.state === 'open' && !i.pullRequest);
const writes = (): number => api.requests().filter((r) => r.method !== 'GET').length;

describe('reportRunToIssue', () => {
  it('a failing run opens one labelled issue with the run link, the summary and what to do', async () => {
    const r = await reportRunToIssue(run(101, 'failed', '**Failed:** `Budget 2025.xlsx` (HTTP 500 after 8 tries)'), options());
    assert.equal(r.action, 'opened');
    const [issue, ...rest] = openIssues();
    assert.equal(rest.length, 0);
    assert.equal(r.number, issue!.number);
    assert.equal(issue!.title, DEFAULT_ALERT_TITLE);
    assert.deepEqual(issue!.labels, [DEFAULT_ALERT_LABEL]);
    assert.match(issue!.body!, /actions\/runs\/101/);
    assert.match(issue!.body!, /Budget 2025\.xlsx/);
    assert.match(issue!.body!, /## What to do/);
    assert.match(issue!.body!, /2025-03-04 02:05 UTC/);
    assert.ok(lines.some((l) => l.includes(`#${issue!.number}`)));
  });

  it('a second failing run comments on the same issue and refreshes its "last failure" section', async () => {
    const first = await reportRunToIssue(run(101, 'failed'), options());
    const second = await reportRunToIssue(run(102, 'incomplete', 'Time budget reached: 40 of 90 documents done.'), options());
    assert.equal(second.action, 'updated');
    assert.equal(second.number, first.number);
    const open = openIssues();
    assert.equal(open.length, 1);
    const issue = open[0]!;
    assert.equal(issue.comments.length, 1);
    assert.match(issue.comments[0]!, /actions\/runs\/102/);
    assert.match(issue.comments[0]!, /incomplete/);
    assert.match(issue.comments[0]!, /40 of 90/);
    assert.match(issue.body!, /First failed run:\*\* \S+\/runs\/101/, 'the first failure stays');
    assert.match(issue.body!, /\*\*Run:\*\* \S+\/runs\/102/, 'the last failure is the new run');
    assert.doesNotMatch(issue.body!, /Run 101: 3 documents/, 'the old summary is replaced');
    assert.equal(issue.body!.match(/## Last failure/g)?.length, 1);

    await reportRunToIssue(run(103, 'failed'), options());
    assert.equal(openIssues().length, 1);
    assert.equal(openIssues()[0]!.comments.length, 2);
  });

  it('a good run closes the alert issue with a comment linking it', async () => {
    const opened = await reportRunToIssue(run(101, 'failed'), options());
    const r = await reportRunToIssue(run(104, 'complete', 'All 90 documents backed up.'), options());
    assert.deepEqual(r, { action: 'closed', number: opened.number });
    const issue = api.issues().find((i) => i.number === opened.number)!;
    assert.equal(issue.state, 'closed');
    assert.equal(issue.stateReason, 'completed');
    assert.match(issue.comments.at(-1)!, /complete again: \S+\/runs\/104/);
    // The next failure opens a fresh issue rather than reviving the closed one.
    const again = await reportRunToIssue(run(105, 'failed'), options());
    assert.equal(again.action, 'opened');
    assert.notEqual(again.number, opened.number);
  });

  it('a good run with no open alert issue does nothing', async () => {
    api.addIssue({ title: 'Unrelated bug', labels: ['bug'] });
    const before = writes();
    const r = await reportRunToIssue(run(104, 'complete'), options());
    assert.deepEqual(r, { action: 'none' });
    assert.equal(writes(), before);
    assert.equal(openIssues().length, 1);
  });

  it('updates the oldest of several labelled issues, skips pull requests, and a good run closes them all', async () => {
    const older = api.addIssue({ title: 'Opened by a person', labels: ['Workspace-Backup'], user: 'alice' });
    const newer = api.addIssue({ title: DEFAULT_ALERT_TITLE, body: 'edited by hand, no markers', labels: [DEFAULT_ALERT_LABEL] });
    api.addIssue({ title: 'A pull request', labels: [DEFAULT_ALERT_LABEL], pullRequest: true });
    const r = await reportRunToIssue(run(201, 'failed'), options());
    assert.deepEqual(r, { action: 'updated', number: older });
    const o = api.issues().find((i) => i.number === older)!;
    assert.equal(o.comments.length, 1);
    assert.match(o.body!, /## Last failure[\s\S]*runs\/201/, 'a body without markers gets the section appended');
    const closed = await reportRunToIssue(run(202, 'complete'), options());
    assert.deepEqual(closed, { action: 'closed', number: older });
    assert.deepEqual(
      api.issues().filter((i) => i.state === 'open').map((i) => i.title),
      ['A pull request'],
    );
    assert.equal(api.issues().find((i) => i.number === newer)!.state, 'closed');
  });

  it('finds alert issues past the first page (Link pagination through Octokit)', async () => {
    for (let k = 0; k < 101; k++) api.addIssue({ title: `alert ${k}`, labels: [DEFAULT_ALERT_LABEL] });
    const r = await reportRunToIssue(run(301, 'complete'), options());
    assert.equal(r.action, 'closed');
    assert.equal(openIssues().length, 0);
    const lists = api.requests().filter((q) => q.method === 'GET');
    assert.equal(lists.length, 2);
    assert.match(lists[1]!.path, /^\/repositories\/\d+\/issues$/, 'the second page came from the Link header');
  });

  it('keeps service names from mentioning GitHub users, and cuts an oversized summary to what GitHub accepts', async () => {
    const summary = `Failed: "@alice notes.docx", "@acme/admins plan.pptx"; owner mail a@b.example\n\n${'x'.repeat(70_000)}`;
    const r = await reportRunToIssue(run(401, 'failed', summary), options());
    assert.equal(r.action, 'opened');
    const body = openIssues()[0]!.body!;
    assert.doesNotMatch(body, /(^|[^\w`])@[A-Za-z0-9]/);
    assert.match(body, /a@b\.example/);
    assert.ok(body.length <= 65536);
    assert.match(body, /cut short/);
  });
});

describe('reportRunToIssue when GitHub refuses', () => {
  it('missing issues: write (403) gives action error naming the permission, and does not throw', async () => {
    api.setSwitches({ permissions: { issues: 'read' } });
    const r = await reportRunToIssue(run(501, 'failed'), options());
    assert.equal(r.action, 'error');
    assert.match(r.message!, /issues: write/);
    assert.match(r.message!, /403/);
    assert.match(r.message!, /creating the alert issue/);
    assert.equal(openIssues().length, 0);
    assert.ok(lines.some((l) => l.includes('issues: write')));
  });

  it('403 on the comment of an existing issue reports the issue number', async () => {
    const opened = await reportRunToIssue(run(501, 'failed'), options());
    api.setSwitches({ permissions: { issues: 'read' } });
    const r = await reportRunToIssue(run(502, 'failed'), options());
    assert.equal(r.action, 'error');
    assert.equal(r.number, opened.number);
    assert.match(r.message!, /issues: write/);
  });

  it('Issues turned off (410) and an unknown repository (404) give action error naming issues: write', async () => {
    api.setSwitches({ issuesEnabled: false });
    const gone = await reportRunToIssue(run(601, 'failed'), options());
    assert.equal(gone.action, 'error');
    assert.match(gone.message!, /410/);
    assert.match(gone.message!, /Issues are turned off/);
    assert.match(gone.message!, /issues: write/);
    // A good run with Issues off has nothing to close: quiet.
    assert.deepEqual(await reportRunToIssue(run(602, 'complete'), options()), { action: 'none' });

    api.setSwitches({ issuesEnabled: true });
    const missing = await reportRunToIssue(run(603, 'failed'), options({ repo: 'not-there' }));
    assert.equal(missing.action, 'error');
    assert.match(missing.message!, /404/);
    assert.match(missing.message!, /issues: write/);
    assert.match(missing.message!, /acme\/not-there/);
  });

  it('the token never appears in a returned message or a log line', async () => {
    const messages: string[] = [];
    const collect = async (p: Promise<{ message?: string }>): Promise<void> => {
      const r = await p;
      if (r.message) messages.push(r.message);
    };
    await collect(reportRunToIssue(run(701, 'failed'), options()));
    api.setSwitches({ permissions: { issues: 'read' } });
    await collect(reportRunToIssue(run(702, 'failed'), options()));
    api.setSwitches({ permissions: { issues: 'none' } });
    await collect(reportRunToIssue(run(703, 'complete'), options()));
    api.setSwitches({ issuesEnabled: false, permissions: { issues: 'write' } });
    await collect(reportRunToIssue(run(704, 'failed'), options({ repo: 'elsewhere' })));
    // A wrong token: 401, and a message that must not repeat it.
    const wrong = 'ghs_WRONGwrongWRONGwrongWRONGwrong0000';
    const bad = await reportRunToIssue(run(705, 'failed'), options({ octokit: octokitFor(wrong) }));
    assert.equal(bad.action, 'error');
    assert.match(bad.message!, /401/);
    messages.push(bad.message!);
    // A summary that carries the token (say, an echoed URL) is masked before it reaches GitHub or a log.
    api.setSwitches({ issuesEnabled: true });
    await collect(reportRunToIssue(run(706, 'failed', `fetch https://x:${api.token}@example.invalid failed`), options()));

    assert.ok(messages.length >= 4);
    const posted = api.issues().flatMap((i) => [i.title, i.body ?? '', ...i.comments]);
    assert.ok(posted.some((t) => t.includes('https://x:***@example.invalid')));
    for (const text of [...messages, ...lines, ...posted]) {
      assert.ok(!text.includes(api.token), `token leaked in: ${text}`);
      assert.ok(!text.includes(wrong), `wrong token leaked in: ${text}`);
    }
  });

  it('a used-up rate limit (403) is reported as such, not as a missing permission', async () => {
    api.setSwitches({ rateLimit: 0 });
    const r = await reportRunToIssue(run(901, 'failed'), options());
    assert.equal(r.action, 'error');
    assert.match(r.message!, /rate limit/);
    assert.doesNotMatch(r.message!, /issues: write/);
  });

  it('a GitHub that never answers gives action error within timeoutMs', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      const r = await reportRunToIssue(run(902, 'failed'), options({ octokit: new Octokit({ auth: api.token, baseUrl: url, log: quiet }), timeoutMs: 200 }));
      assert.equal(r.action, 'error');
      assert.match(r.message!, /did not answer in time/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('an unreachable GitHub gives action error, not a throw', async () => {
    await api.close();
    const r = await reportRunToIssue(run(801, 'failed'), options());
    assert.equal(r.action, 'error');
    assert.match(r.message!, /could not reach GitHub|GitHub/);
  });
});
