// Route table of the local GitHub REST API: GitHub's documented path templates, matched to handlers.

import type { ApiRequest, ApiResponse } from './http.ts';
import type { ApiState, PermissionLevel, RepoRecord } from './model.ts';

export interface RouteContext {
  state: ApiState;
  req: ApiRequest;
  /** Template parameters by name, decoded (`issue_number`, ...). */
  params: Record<string, string>;
  repo: RepoRecord;
  /** /repositories/{id}: the path GitHub's Link headers use for this repository. */
  repoLinkPath: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path as GitHub documents it; every route lives under /repos/{owner}/{repo}. */
  path: string;
  /** The endpoint's page in GitHub's REST docs, sent as `documentation_url` in errors. */
  docs: string;
  /** The fine-grained permission GitHub requires of the token (403 below it). */
  permission?: { scope: string; level: Exclude<PermissionLevel, 'none'> };
  handle(ctx: RouteContext): ApiResponse;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

const REPO_PREFIX = '/repos/{owner}/{repo}';

export class Router {
  readonly #routes: CompiledRoute[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      if (!route.path.startsWith(REPO_PREFIX + '/') && route.path !== REPO_PREFIX) {
        throw new Error(`route ${route.path}: every route must live under ${REPO_PREFIX}`);
      }
      const names: string[] = [];
      const source = route.path
        .split(/(\{[a-z_]+\})/)
        .map((part) => {
          const m = /^\{([a-z_]+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('');
      this.#routes.push({ route, pattern: new RegExp(`^${source}/?$`), names });
    }
    return this;
  }

  /**
   * The route for a method and path, with its parameters. GitHub answers 404 (not 405) to a method a path does not
   * have, so a miss is just undefined.
   */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const c of this.#routes) {
      if (c.route.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1]!);
      });
      return { route: c.route, params };
    }
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
