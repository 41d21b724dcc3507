// GitHub Pages routes: the site (and its `public` visibility), and artifact deployments with their status polling.

import { githubError, invalidRequest, json, noContent, notFound, parseJsonObject, type ApiRequest, type ApiResponse } from './http.ts';
import { defaultPagesSwitches, type ApiState, type PagesDeploymentRecord, type PagesSwitches, type RepoRecord } from './model.ts';
import type { Route, RouteContext } from './router.ts';

const DOCS = {
  get: 'https://docs.github.com/rest/pages/pages#get-a-apiname-pages-site',
  create: 'https://docs.github.com/rest/pages/pages#create-a-apiname-pages-site',
  update: 'https://docs.github.com/rest/pages/pages#update-information-about-a-apiname-pages-site',
  deploy: 'https://docs.github.com/rest/pages/pages#create-a-github-pages-deployment',
  status: 'https://docs.github.com/rest/pages/pages#get-the-status-of-a-github-pages-deployment',
  cancel: 'https://docs.github.com/rest/pages/pages#cancel-a-github-pages-deployment',
};

/** Statuses after which a deployment no longer changes. */
const FINAL = new Set(['succeed', 'deployment_failed', 'deployment_content_failed', 'deployment_lost', 'deployment_cancelled']);

function pagesOff(docs: string): ApiResponse {
  return notFound(docs);
}

/** The site's address: a custom domain, https://<owner>.github.io/<repo>/ when public, https://<random>.pages.github.io/ when private. */
export function siteUrl(state: ApiState, repo: RepoRecord): string {
  const sw = state.pages.switches;
  if (sw.cname) return `https://${sw.cname}/`;
  if (sw.public === false) return `https://${state.pages.privateHost}.pages.github.io/`;
  const owner = repo.owner.login.toLowerCase();
  if (repo.name.toLowerCase() === `${owner}.github.io`) return `https://${owner}.github.io/`;
  return `https://${owner}.github.io/${repo.name}/`;
}

/** The `page` object GET /repos/{owner}/{repo}/pages answers (`public` left out when the switch says 'missing'). */
export function renderPage(state: ApiState, apiOrigin: string, repo: RepoRecord): Record<string, unknown> {
  const sw = state.pages.switches;
  const built = state.pages.deployments.some((d) => d.status === 'succeed');
  return {
    url: `${apiOrigin}/repos/${repo.owner.login}/${repo.name}/pages`,
    status: built ? 'built' : null,
    cname: sw.cname,
    custom_404: false,
    html_url: siteUrl(state, repo),
    build_type: sw.buildType,
    ...(sw.buildType === 'legacy' && { source: { branch: repo.defaultBranch, path: '/' } }),
    ...(sw.public !== 'missing' && { public: sw.public }),
    protected_domain_state: null,
    pending_domain_unverified_at: null,
    https_enforced: true,
  };
}

function getPage(ctx: RouteContext): ApiResponse {
  if (!ctx.state.pages.switches.enabled) return pagesOff(DOCS.get);
  return json(200, renderPage(ctx.state, ctx.req.apiOrigin, ctx.repo));
}

function readBuildType(value: unknown, docs: string): { ok: true; value: PagesSwitches['buildType'] | undefined } | { ok: false; response: ApiResponse } {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (value !== 'legacy' && value !== 'workflow') return { ok: false, response: invalidRequest(docs, `For 'properties/build_type', ${JSON.stringify(value)} is not a member of ["legacy", "workflow"].`) };
  return { ok: true, value };
}

/** POST /pages: turns Pages on (409 when it already is). */
function createPage(ctx: RouteContext): ApiResponse {
  const { state, req, repo } = ctx;
  const parsed = parseJsonObject(req, DOCS.create);
  if (!parsed.ok) return parsed.response;
  if (state.pages.switches.enabled) return githubError(409, 'GitHub Pages is already enabled.', DOCS.create);
  const bt = readBuildType(parsed.value.build_type, DOCS.create);
  if (!bt.ok) return bt.response;
  state.pages.switches = { ...state.pages.switches, enabled: true, buildType: bt.value ?? 'legacy' };
  return json(201, renderPage(state, req.apiOrigin, repo), { location: `${req.apiOrigin}/repos/${repo.owner.login}/${repo.name}/pages` });
}

/** PUT /pages: cname, build_type and `public` (the last only has an effect on GitHub Enterprise Cloud). */
function updatePage(ctx: RouteContext): ApiResponse {
  const { state, req } = ctx;
  const parsed = parseJsonObject(req, DOCS.update);
  if (!parsed.ok) return parsed.response;
  if (!state.pages.switches.enabled) return pagesOff(DOCS.update);
  const b = parsed.value;
  const known = ['cname', 'https_enforced', 'build_type', 'source', 'public'];
  if (!known.some((k) => k in b)) return invalidRequest(DOCS.update, `At least one of ${known.map((k) => `"${k}"`).join(', ')} must be supplied.`);
  if (b.public !== undefined && typeof b.public !== 'boolean') return invalidRequest(DOCS.update, `For 'properties/public', ${JSON.stringify(b.public)} is not a boolean.`);
  if (b.cname !== undefined && b.cname !== null && typeof b.cname !== 'string') return invalidRequest(DOCS.update, `For 'properties/cname', ${JSON.stringify(b.cname)} is not a string or null.`);
  const bt = readBuildType(b.build_type, DOCS.update);
  if (!bt.ok) return bt.response;
  const next: PagesSwitches = { ...state.pages.switches };
  if (typeof b.public === 'boolean') next.public = b.public;
  if (b.cname !== undefined) next.cname = typeof b.cname === 'string' && b.cname !== '' ? b.cname : null;
  if (bt.value) next.buildType = bt.value;
  state.pages.switches = next;
  return noContent();
}

function createDeployment(ctx: RouteContext): ApiResponse {
  const { state, req, repo } = ctx;
  const parsed = parseJsonObject(req, DOCS.deploy);
  if (!parsed.ok) return parsed.response;
  if (!state.pages.switches.enabled) return pagesOff(DOCS.deploy);
  const b = parsed.value;
  if (b.artifact_id === undefined && b.artifact_url === undefined) return invalidRequest(DOCS.deploy, 'One of "artifact_id" or "artifact_url" must be supplied.');
  if (b.artifact_id !== undefined && (typeof b.artifact_id !== 'number' || !Number.isSafeInteger(b.artifact_id))) {
    return invalidRequest(DOCS.deploy, `For 'properties/artifact_id', ${JSON.stringify(b.artifact_id)} is not a number.`);
  }
  if (b.artifact_url !== undefined && typeof b.artifact_url !== 'string') return invalidRequest(DOCS.deploy, `For 'properties/artifact_url', ${JSON.stringify(b.artifact_url)} is not a string.`);
  if (b.pages_build_version === undefined) return invalidRequest(DOCS.deploy, '"pages_build_version" wasn\'t supplied.');
  if (typeof b.pages_build_version !== 'string' || b.pages_build_version === '') return invalidRequest(DOCS.deploy, `For 'properties/pages_build_version', ${JSON.stringify(b.pages_build_version)} is not a non-empty string.`);
  if (b.oidc_token === undefined) return invalidRequest(DOCS.deploy, '"oidc_token" wasn\'t supplied.');
  if (typeof b.oidc_token !== 'string') return invalidRequest(DOCS.deploy, `For 'properties/oidc_token', ${JSON.stringify(b.oidc_token)} is not a string.`);
  if (b.environment !== undefined && typeof b.environment !== 'string') return invalidRequest(DOCS.deploy, `For 'properties/environment', ${JSON.stringify(b.environment)} is not a string.`);
  if (b.preview !== undefined && typeof b.preview !== 'boolean') return invalidRequest(DOCS.deploy, `For 'properties/preview', ${JSON.stringify(b.preview)} is not a boolean.`);

  const hooks = state.pages.hooks;
  const tokenOk = hooks.verifyOidcToken ? hooks.verifyOidcToken(b.oidc_token) : b.oidc_token.split('.').length === 3;
  if (!tokenOk) return githubError(400, 'The OIDC token is invalid or expired.', DOCS.deploy);
  const artifactId = typeof b.artifact_id === 'number' ? b.artifact_id : 0;
  if (typeof b.artifact_id === 'number' && hooks.artifactExists && !hooks.artifactExists(b.artifact_id)) {
    return githubError(400, `Artifact ${b.artifact_id} could not be found for this workflow run.`, DOCS.deploy);
  }

  const id = b.pages_build_version;
  const record: PagesDeploymentRecord = {
    id,
    artifactId,
    buildVersion: b.pages_build_version,
    environment: typeof b.environment === 'string' ? b.environment : 'github-pages',
    oidcToken: b.oidc_token,
    polls: 0,
    status: 'deployment_queued',
    outcome: state.pages.switches.outcome,
    createdAt: state.now(),
  };
  // One deployment per build version: a new one for the same commit replaces the old.
  state.pages.deployments = state.pages.deployments.filter((d) => d.id !== id);
  state.pages.deployments.push(record);
  const statusUrl = `${req.apiOrigin}/repos/${repo.owner.login}/${repo.name}/pages/deployments/${encodeURIComponent(id)}`;
  return json(200, {
    id,
    status_url: statusUrl,
    page_url: siteUrl(state, repo),
    ...(b.preview === true && { preview_url: `https://${state.pages.privateHost}-preview.drafts.github.io/` }),
  });
}

function findDeployment(ctx: RouteContext): PagesDeploymentRecord | undefined {
  const id = ctx.params.pages_deployment_id ?? '';
  return ctx.state.pages.deployments.find((d) => d.id === id);
}

/** Each poll advances a deployment: in progress for `pollsInProgress` polls, then its outcome. */
function getDeploymentStatus(ctx: RouteContext): ApiResponse {
  if (!ctx.state.pages.switches.enabled) return pagesOff(DOCS.status);
  const d = findDeployment(ctx);
  if (!d) return notFound(DOCS.status);
  if (!FINAL.has(d.status)) {
    d.polls++;
    if (d.polls <= ctx.state.pages.switches.pollsInProgress || d.outcome === 'never') d.status = 'deployment_in_progress';
    else d.status = d.outcome;
  }
  return json(200, { status: d.status });
}

function cancelDeployment(ctx: RouteContext): ApiResponse {
  if (!ctx.state.pages.switches.enabled) return pagesOff(DOCS.cancel);
  const d = findDeployment(ctx);
  if (!d) return notFound(DOCS.cancel);
  if (!FINAL.has(d.status)) d.status = 'deployment_cancelled';
  return noContent();
}

export const pagesRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/pages', docs: DOCS.get, permission: { scope: 'pages', level: 'read' }, handle: getPage },
  { method: 'POST', path: '/repos/{owner}/{repo}/pages', docs: DOCS.create, permission: { scope: 'administration', level: 'write' }, handle: createPage },
  { method: 'PUT', path: '/repos/{owner}/{repo}/pages', docs: DOCS.update, permission: { scope: 'administration', level: 'write' }, handle: updatePage },
  { method: 'POST', path: '/repos/{owner}/{repo}/pages/deployments', docs: DOCS.deploy, permission: { scope: 'pages', level: 'write' }, handle: createDeployment },
  { method: 'GET', path: '/repos/{owner}/{repo}/pages/deployments/{pages_deployment_id}', docs: DOCS.status, permission: { scope: 'pages', level: 'read' }, handle: getDeploymentStatus },
  { method: 'POST', path: '/repos/{owner}/{repo}/pages/deployments/{pages_deployment_id}/cancel', docs: DOCS.cancel, permission: { scope: 'pages', level: 'write' }, handle: cancelDeployment },
];

export class PagesSwitchError extends Error {
  override name = 'PagesSwitchError';
}

const OUTCOMES: PagesSwitches['outcome'][] = ['succeed', 'deployment_failed', 'deployment_content_failed', 'deployment_lost', 'never'];

/** Checks an untrusted partial Pages switches object. */
export function parsePagesSwitches(value: unknown): Partial<PagesSwitches> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PagesSwitchError('expected a JSON object');
  const out: Partial<PagesSwitches> = {};
  for (const [k, v] of Object.entries(value)) {
    switch (k) {
      case 'enabled':
        if (typeof v !== 'boolean') throw new PagesSwitchError('enabled: expected a boolean');
        out.enabled = v;
        break;
      case 'public':
        if (typeof v !== 'boolean' && v !== 'missing') throw new PagesSwitchError('public: expected true, false or "missing"');
        out.public = v;
        break;
      case 'buildType':
        if (v !== 'workflow' && v !== 'legacy') throw new PagesSwitchError('buildType: expected "workflow" or "legacy"');
        out.buildType = v;
        break;
      case 'cname':
        if (v !== null && typeof v !== 'string') throw new PagesSwitchError('cname: expected a string or null');
        out.cname = v;
        break;
      case 'pollsInProgress':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new PagesSwitchError('pollsInProgress: expected a non-negative integer');
        out.pollsInProgress = v;
        break;
      case 'outcome':
        if (!OUTCOMES.includes(v as PagesSwitches['outcome'])) throw new PagesSwitchError(`outcome: expected one of ${OUTCOMES.join(', ')}`);
        out.outcome = v as PagesSwitches['outcome'];
        break;
      default:
        throw new PagesSwitchError(`unknown Pages switch ${k}`);
    }
  }
  return out;
}

export function applyPagesSwitches(state: ApiState, partial: Partial<PagesSwitches>): PagesSwitches {
  state.pages.switches = { ...state.pages.switches, ...parsePagesSwitches(partial) };
  return state.pages.switches;
}

export function initialPagesSwitches(partial: Partial<PagesSwitches> = {}): PagesSwitches {
  return { ...defaultPagesSwitches, ...parsePagesSwitches(partial) };
}

/**
 * Control paths for tests that run the Action as a child process (to be wired into control.ts):
 * GET /__sim/pages → switches and deployments; POST /__sim/pages with partial switches. undefined for other paths.
 */
export function pagesControl(state: ApiState, req: ApiRequest): ApiResponse | undefined {
  if (req.path !== '/__sim/pages') return undefined;
  const snapshot = (): unknown => ({ switches: state.pages.switches, deployments: state.pages.deployments.map(({ oidcToken: _t, ...d }) => d) });
  if (req.method === 'GET') return json(200, snapshot());
  if (req.method === 'POST') {
    const parsed = parseJsonObject(req, '');
    if (!parsed.ok) return json(400, { error: 'expected a JSON object' });
    try {
      applyPagesSwitches(state, parsed.value as Partial<PagesSwitches>);
    } catch (err) {
      if (err instanceof PagesSwitchError) return json(400, { error: err.message });
      throw err;
    }
    return json(200, snapshot());
  }
  return undefined;
}
