// Issue, comment, label and repository routes, with GitHub's filters, ordering, validation and "issues disabled" answers.

import { githubError, invalidRequest, json, notFound, paginate, parseJsonObject, validationFailed, type ApiResponse, type FieldError } from './http.ts';
import { ACTIONS_BOT, addIssue, dedupeLabels, type IssueRecord, type StateReason } from './model.ts';
import { renderComment, renderIssue, renderLabel, renderRepo } from './render.ts';
import type { Route, RouteContext } from './router.ts';

const DOCS = {
  repo: 'https://docs.github.com/rest/repos/repos#get-a-repository',
  list: 'https://docs.github.com/rest/issues/issues#list-repository-issues',
  create: 'https://docs.github.com/rest/issues/issues#create-an-issue',
  get: 'https://docs.github.com/rest/issues/issues#get-an-issue',
  update: 'https://docs.github.com/rest/issues/issues#update-an-issue',
  listComments: 'https://docs.github.com/rest/issues/comments#list-issue-comments',
  createComment: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  labels: 'https://docs.github.com/rest/issues/labels#list-labels-for-a-repository',
};

/** GitHub's limit for issue and comment bodies, in characters. */
export const MAX_BODY_CHARS = 65536;
/** GitHub's limit for issue titles, in characters. */
export const MAX_TITLE_CHARS = 256;

function issuesDisabled(): ApiResponse {
  return githubError(410, 'Issues are disabled for this repo', 'https://docs.github.com/v3/issues/');
}

function charLength(s: string): number {
  return [...s].length;
}

/** The issue named by {issue_number}, or the response GitHub gives instead (404, or 410 when Issues are off). */
function lookupIssue(ctx: RouteContext, docs: string): { ok: true; issue: IssueRecord } | { ok: false; response: ApiResponse } {
  const raw = ctx.params.issue_number ?? '';
  const issue = /^\d+$/.test(raw) ? ctx.repo.issues.get(Number(raw)) : undefined;
  if (!ctx.state.switches.issuesEnabled && !issue?.pullRequest) return { ok: false, response: issuesDisabled() };
  if (!issue) return { ok: false, response: notFound(docs) };
  return { ok: true, issue };
}

/** Reads `labels` as GitHub accepts it: an array of names or of {name}. */
function readLabels(value: unknown, docs: string): { ok: true; names: string[] } | { ok: false; response: ApiResponse } {
  if (!Array.isArray(value)) return { ok: false, response: invalidRequest(docs, `For 'properties/labels', ${JSON.stringify(value)} is not an array.`) };
  const names: string[] = [];
  for (const v of value) {
    const name = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : undefined;
    if (name === undefined) return { ok: false, response: invalidRequest(docs, `For 'items', ${JSON.stringify(v)} is not a string or an object with a name.`) };
    if (name.trim() === '') return { ok: false, response: validationFailed(docs, [{ resource: 'Label', code: 'invalid', field: 'name', value: name }]) };
    names.push(name.trim());
  }
  return { ok: true, names };
}

function bodyTooLong(resource: string, docs: string): ApiResponse {
  return validationFailed(docs, [{ resource, code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_BODY_CHARS} characters)` }]);
}

function listIssues(ctx: RouteContext): ApiResponse {
  const { req, repo, state } = ctx;
  const stateFilter = req.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(stateFilter)) {
    return validationFailed(DOCS.list, [{ resource: 'Issue', code: 'invalid', field: 'state', value: stateFilter }]);
  }
  const wanted = (req.query.get('labels') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const creator = req.query.get('creator')?.toLowerCase();
  const sinceRaw = req.query.get('since');
  const since = sinceRaw === null ? NaN : Date.parse(sinceRaw);
  const sort = req.query.get('sort') ?? 'created';
  const asc = req.query.get('direction') === 'asc';
  const key = (i: IssueRecord): number => (sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments.length : i.createdAt);
  const all = [...repo.issues.values()]
    .filter((i) => state.switches.issuesEnabled || i.pullRequest)
    .filter((i) => stateFilter === 'all' || i.state === stateFilter)
    .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
    .filter((i) => creator === undefined || i.user.login.toLowerCase() === creator)
    .filter((i) => Number.isNaN(since) || i.updatedAt >= since)
    .sort((a, b) => (asc ? 1 : -1) * (key(a) - key(b) || a.number - b.number));
  const page = paginate(all, req, `${ctx.repoLinkPath}/issues`);
  return json(
    200,
    page.items.map((i) => renderIssue(state, req.apiOrigin, repo, i)),
    page.link ? { link: page.link } : {},
  );
}

function createIssue(ctx: RouteContext): ApiResponse {
  const { req, repo, state } = ctx;
  if (!state.switches.issuesEnabled) return issuesDisabled();
  const parsed = parseJsonObject(req, DOCS.create);
  if (!parsed.ok) return parsed.response;
  const b = parsed.value;
  if (!('title' in b) || b.title === null) return invalidRequest(DOCS.create, '"title" wasn\'t supplied.');
  if (typeof b.title !== 'string' && typeof b.title !== 'number') {
    return invalidRequest(DOCS.create, `For 'properties/title', ${JSON.stringify(b.title)} is not a string or a number.`);
  }
  const title = String(b.title);
  const errors: FieldError[] = [];
  if (title.trim() === '') errors.push({ resource: 'Issue', code: 'missing_field', field: 'title' });
  if (charLength(title) > MAX_TITLE_CHARS) errors.push({ resource: 'Issue', code: 'custom', field: 'title', message: `title is too long (maximum is ${MAX_TITLE_CHARS} characters)` });
  if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') {
    return invalidRequest(DOCS.create, `For 'properties/body', ${JSON.stringify(b.body)} is not a string.`);
  }
  const body = typeof b.body === 'string' ? b.body : null;
  if (body !== null && charLength(body) > MAX_BODY_CHARS) return bodyTooLong('Issue', DOCS.create);
  if (errors.length > 0) return validationFailed(DOCS.create, errors);
  let labels: string[] = [];
  if (b.labels !== undefined) {
    const read = readLabels(b.labels, DOCS.create);
    if (!read.ok) return read.response;
    labels = read.names;
  }
  const issue = addIssue(state, repo, { title, body, labels, user: ACTIONS_BOT });
  const rendered = renderIssue(state, req.apiOrigin, repo, issue);
  return json(201, rendered, { location: String(rendered.url) });
}

function getIssue(ctx: RouteContext): ApiResponse {
  const found = lookupIssue(ctx, DOCS.get);
  if (!found.ok) return found.response;
  return json(200, renderIssue(ctx.state, ctx.req.apiOrigin, ctx.repo, found.issue));
}

const STATE_REASONS: StateReason[] = ['completed', 'reopened', 'not_planned', 'duplicate'];

function updateIssue(ctx: RouteContext): ApiResponse {
  const { req, repo, state } = ctx;
  const found = lookupIssue(ctx, DOCS.update);
  if (!found.ok) return found.response;
  const issue = found.issue;
  const parsed = parseJsonObject(req, DOCS.update);
  if (!parsed.ok) return parsed.response;
  const b = parsed.value;

  // Validate everything before changing anything: GitHub applies an update whole or not at all.
  let title: string | undefined;
  if (b.title !== undefined && b.title !== null) {
    if (typeof b.title !== 'string' && typeof b.title !== 'number') return invalidRequest(DOCS.update, `For 'properties/title', ${JSON.stringify(b.title)} is not a string or a number.`);
    title = String(b.title);
    if (title.trim() === '') return validationFailed(DOCS.update, [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    if (charLength(title) > MAX_TITLE_CHARS) return validationFailed(DOCS.update, [{ resource: 'Issue', code: 'custom', field: 'title', message: `title is too long (maximum is ${MAX_TITLE_CHARS} characters)` }]);
  }
  if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') return invalidRequest(DOCS.update, `For 'properties/body', ${JSON.stringify(b.body)} is not a string.`);
  if (typeof b.body === 'string' && charLength(b.body) > MAX_BODY_CHARS) return bodyTooLong('Issue', DOCS.update);
  if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed') {
    return invalidRequest(DOCS.update, `For 'properties/state', ${JSON.stringify(b.state)} is not a member of ["open", "closed"].`);
  }
  const reason = b.state_reason;
  if (reason !== undefined && reason !== null && !STATE_REASONS.includes(reason as StateReason)) {
    return invalidRequest(DOCS.update, `For 'properties/state_reason', ${JSON.stringify(reason)} is not a member of ${JSON.stringify(STATE_REASONS)}.`);
  }
  if (b.state === 'closed' && reason === 'reopened') {
    return validationFailed(DOCS.update, [{ resource: 'Issue', code: 'invalid', field: 'state_reason', value: reason }]);
  }
  let labels: string[] | undefined;
  if (b.labels !== undefined) {
    const read = readLabels(b.labels, DOCS.update);
    if (!read.ok) return read.response;
    labels = read.names;
  }

  const now = state.now();
  if (title !== undefined) issue.title = title;
  if (b.body !== undefined) issue.body = typeof b.body === 'string' ? b.body : null;
  if (labels !== undefined) issue.labels = dedupeLabels(state, repo, labels);
  if (b.state === 'closed' && issue.state === 'open') {
    issue.state = 'closed';
    issue.stateReason = typeof reason === 'string' ? (reason as StateReason) : 'completed';
    issue.closedAt = now;
    issue.closedBy = ACTIONS_BOT;
  } else if (b.state === 'open' && issue.state === 'closed') {
    issue.state = 'open';
    issue.stateReason = 'reopened';
    issue.closedAt = null;
    issue.closedBy = null;
  }
  issue.updatedAt = now;
  return json(200, renderIssue(state, req.apiOrigin, repo, issue));
}

function listComments(ctx: RouteContext): ApiResponse {
  const { req, repo, state } = ctx;
  const found = lookupIssue(ctx, DOCS.listComments);
  if (!found.ok) return found.response;
  const sinceRaw = req.query.get('since');
  const since = sinceRaw === null ? NaN : Date.parse(sinceRaw);
  const all = found.issue.comments.filter((c) => Number.isNaN(since) || c.updatedAt >= since);
  const page = paginate(all, req, `${ctx.repoLinkPath}/issues/${found.issue.number}/comments`);
  return json(
    200,
    page.items.map((c) => renderComment(state, req.apiOrigin, repo, found.issue, c)),
    page.link ? { link: page.link } : {},
  );
}

function createComment(ctx: RouteContext): ApiResponse {
  const { req, repo, state } = ctx;
  const found = lookupIssue(ctx, DOCS.createComment);
  if (!found.ok) return found.response;
  const parsed = parseJsonObject(req, DOCS.createComment);
  if (!parsed.ok) return parsed.response;
  const body = parsed.value.body;
  if (body === undefined || body === null) return invalidRequest(DOCS.createComment, '"body" wasn\'t supplied.');
  if (typeof body !== 'string') return invalidRequest(DOCS.createComment, `For 'properties/body', ${JSON.stringify(body)} is not a string.`);
  if (body.trim() === '') return validationFailed(DOCS.createComment, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
  if (charLength(body) > MAX_BODY_CHARS) return bodyTooLong('IssueComment', DOCS.createComment);
  const now = state.now();
  const comment = { id: state.nextId.comment++, body, user: ACTIONS_BOT, createdAt: now, updatedAt: now };
  found.issue.comments.push(comment);
  found.issue.updatedAt = now;
  const rendered = renderComment(state, req.apiOrigin, repo, found.issue, comment);
  return json(201, rendered, { location: String(rendered.url) });
}

function listLabels(ctx: RouteContext): ApiResponse {
  const { req, repo } = ctx;
  const page = paginate([...repo.labels.values()].sort((a, b) => a.id - b.id), req, `${ctx.repoLinkPath}/labels`);
  return json(
    200,
    page.items.map((l) => renderLabel(req.apiOrigin, repo, l)),
    page.link ? { link: page.link } : {},
  );
}

export const repoRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}', docs: DOCS.repo, handle: (ctx) => json(200, renderRepo(ctx.state, ctx.req.apiOrigin, ctx.repo)) },
];

export const issueRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/issues', docs: DOCS.list, permission: { scope: 'issues', level: 'read' }, handle: listIssues },
  { method: 'POST', path: '/repos/{owner}/{repo}/issues', docs: DOCS.create, permission: { scope: 'issues', level: 'write' }, handle: createIssue },
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}', docs: DOCS.get, permission: { scope: 'issues', level: 'read' }, handle: getIssue },
  { method: 'PATCH', path: '/repos/{owner}/{repo}/issues/{issue_number}', docs: DOCS.update, permission: { scope: 'issues', level: 'write' }, handle: updateIssue },
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', docs: DOCS.listComments, permission: { scope: 'issues', level: 'read' }, handle: listComments },
  { method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', docs: DOCS.createComment, permission: { scope: 'issues', level: 'write' }, handle: createComment },
  { method: 'GET', path: '/repos/{owner}/{repo}/labels', docs: DOCS.labels, permission: { scope: 'issues', level: 'read' }, handle: listLabels },
];
