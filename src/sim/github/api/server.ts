// The HTTP server: reads requests, checks the token and rate limit, resolves the repository, routes, logs, answers.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { controlRoutes } from './control.ts';
import { githubError, json, notFound, type ApiRequest, type ApiResponse } from './http.ts';
import { issueRoutes, repoRoutes } from './issues.ts';
import { pagesControl, pagesRoutes } from './pages.ts';
import { findRepo, findRepoById, permissionOf, type ApiState, type RepoRecord } from './model.ts';
import { Router } from './router.ts';

/** Every GitHub API route the simulator serves; a new area (Pages...) is one more `add`. */
export function defaultRouter(): Router {
  return new Router().add(repoRoutes).add(issueRoutes).add(pagesRoutes);
}

const MAX_BODY = 8 * 1024 * 1024;
const RATE_WINDOW_MS = 60 * 60 * 1000;

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY) return null;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

function toApiRequest(req: IncomingMessage, body: Buffer): ApiRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q < 0 ? url : url.slice(0, q),
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    body,
    apiOrigin: `http://${req.headers.host ?? '127.0.0.1'}`,
  };
}

/**
 * The token a request presents, as GitHub accepts it: `Authorization: Bearer <t>`, `token <t>`, or Basic with the
 * token as password. undefined when there is no Authorization header.
 */
export function presentedToken(req: ApiRequest): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^(\S+)\s+(.+)$/.exec(h.trim());
  if (!m) return '';
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer' || scheme === 'token') return m[2]!.trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? '' : decoded.slice(colon + 1);
  }
  return '';
}

function rateHeaders(state: ApiState): Record<string, string> {
  const limit = state.switches.rateLimit;
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - state.rate.used)),
    'x-ratelimit-reset': String(Math.ceil(state.rate.resetAt / 1000)),
    'x-ratelimit-used': String(state.rate.used),
    'x-ratelimit-resource': 'core',
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Resolves /repos/{owner}/{repo}/... or /repositories/{id}/... (the form Link headers use) to a repository. */
function resolveRepo(state: ApiState, path: string): { repo: RepoRecord | undefined; rest: string } | undefined {
  let m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (m) return { repo: findRepo(state, safeDecode(m[1]!), safeDecode(m[2]!)), rest: m[3] ?? '' };
  m = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
  if (m) return { repo: findRepoById(state, Number(m[1])), rest: m[2] ?? '' };
  return undefined;
}

/** Answers one API request (no control paths): auth, rate limit, repository, route, permission, handler. */
export function handleApi(state: ApiState, router: Router, req: ApiRequest): ApiResponse {
  const token = presentedToken(req);
  if (token === undefined) return githubError(401, 'Requires authentication');
  if (token !== state.token) return githubError(401, 'Bad credentials');

  const now = state.now();
  if (now >= state.rate.resetAt) state.rate = { used: 0, resetAt: now + RATE_WINDOW_MS };
  if (state.rate.used >= state.switches.rateLimit) {
    return githubError(403, 'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.', 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api');
  }
  state.rate.used++;

  const resolved = resolveRepo(state, req.path);
  if (!resolved?.repo) return notFound();
  const repo = resolved.repo;
  const routePath = `/repos/${encodeURIComponent(repo.owner.login)}/${encodeURIComponent(repo.name)}${resolved.rest}`;
  const found = router.match(req.method === 'HEAD' ? 'GET' : req.method, routePath);
  if (!found) return notFound();
  const { route, params } = found;
  if (route.permission) {
    const have = permissionOf(state.switches, route.permission.scope);
    const enough = have === 'write' || (have === 'read' && route.permission.level === 'read');
    if (!enough) {
      return githubError(403, 'Resource not accessible by integration', route.docs, {}, {
        'x-accepted-github-permissions': `${route.permission.scope}=${route.permission.level}`,
      });
    }
  }
  return route.handle({ state, req, params, repo, repoLinkPath: `/repositories/${repo.id}` });
}

function send(req: IncomingMessage, res: ServerResponse, r: ApiResponse): void {
  const body = r.body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(r.body));
  const headers: Record<string, string> = {
    ...(r.body !== null && { 'content-type': 'application/json; charset=utf-8' }),
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    ...r.headers,
  };
  if (r.status !== 204 && r.status !== 304) headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function createApiServer(state: ApiState, router: Router = defaultRouter()): Server {
  return createServer((req, res) => {
    void (async () => {
      let response: ApiResponse;
      let apiReq: ApiRequest | undefined;
      try {
        const body = await readBody(req);
        apiReq = toApiRequest(req, body ?? Buffer.alloc(0));
        if (apiReq.path.startsWith('/__sim/')) {
          send(req, res, pagesControl(state, apiReq) ?? controlRoutes(state, apiReq));
          return;
        }
        if (body === null) response = githubError(413, 'Payload Too Large');
        else response = handleApi(state, router, apiReq);
        // Every authenticated answer carries the rate-limit headers, errors included (as GitHub does).
        if (response.status !== 401) response = { ...response, headers: { ...rateHeaders(state), ...response.headers } };
      } catch (err) {
        response = json(500, { message: `simulator error: ${(err as Error).message}` });
      }
      state.requests.push({
        method: apiReq?.method ?? req.method ?? 'GET',
        path: apiReq?.path ?? req.url ?? '/',
        query: apiReq?.rawQuery ?? '',
        status: response.status,
      });
      send(req, res, response);
    })().catch(() => res.destroy());
  });
}
