// Public entry of the local GitHub REST API (issues and Pages): start it on loopback, inspect and steer it.

import { randomBytes } from 'node:crypto';
import { listenOnLoopback } from '../../common/loopback.ts';
import { applySwitches } from './control.ts';
import { ACTIONS_BOT, addIssue, defaultSwitches, findRepo, type ApiState, type GitHubApiSwitches, type PagesDeploymentRecord, type PagesHooks, type PagesSwitches, type RequestLogEntry, type UserRecord } from './model.ts';
import { applyPagesSwitches, initialPagesSwitches } from './pages.ts';
import { createApiServer } from './server.ts';
import { snapshotIssues, type Issue } from './snapshot.ts';

export interface GitHubApiOptions {
  /** The token the server accepts (default: a random `ghs_…` like GITHUB_TOKEN). */
  token?: string;
  /** Default `octo-org`. */
  owner?: string;
  /** Default `backup`. */
  repo?: string;
  /** Default 0 (any free port). */
  port?: number;
  switches?: Partial<GitHubApiSwitches>;
  /** Origin for `html_url` fields, default https://github.com. */
  serverUrl?: string;
  /** GitHub Pages of the repository (default: not enabled). */
  pages?: Partial<PagesSwitches>;
  /** Ties Pages deployments to the artifact and OIDC services (see PagesHooks). */
  pagesHooks?: PagesHooks;
}

export interface SeedIssue {
  title: string;
  body?: string | null;
  labels?: string[];
  state?: 'open' | 'closed';
  /** Login of the author, default github-actions[bot]; any other login is a human user. */
  user?: string;
  /** A pull request: GitHub lists pull requests among issues. */
  pullRequest?: boolean;
}

export interface RunningGitHubApi {
  /** http://127.0.0.1:<port>: use as GITHUB_API_URL / Octokit baseUrl. */
  url: string;
  token: string;
  owner: string;
  repo: string;
  /** Current issues (and pull requests) of the repository, by number. */
  issues(): Issue[];
  /** Every request so far, control paths included, oldest first. */
  requests(): RequestLogEntry[];
  /** The live switches. */
  switches(): GitHubApiSwitches;
  /** Merges switches (and `permissions` per scope), e.g. `{ permissions: { issues: 'read' } }` or `{ issuesEnabled: false }`. */
  setSwitches(partial: Partial<GitHubApiSwitches>): GitHubApiSwitches;
  /** Puts an issue or pull request in place as if someone had made it on github.com; returns its number. */
  addIssue(input: SeedIssue): number;
  /** The live Pages switches. */
  pages(): PagesSwitches;
  /** Merges Pages switches, e.g. `{ enabled: true, public: false }`, `{ public: 'missing' }`, `{ outcome: 'deployment_failed' }`. */
  setPages(partial: Partial<PagesSwitches>): PagesSwitches;
  /** Sets the hooks Pages deployments check artifact ids and OIDC tokens with. */
  setPagesHooks(hooks: PagesHooks): void;
  /** Pages deployments created so far, oldest first. */
  pagesDeployments(): PagesDeploymentRecord[];
  close(): Promise<void>;
  /** Direct access for in-process tests. */
  state: ApiState;
}

function randomToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return 'ghs_' + [...randomBytes(36)].map((b) => alphabet[b % alphabet.length]).join('');
}

function userFor(login: string | undefined): UserRecord {
  if (login === undefined || login === ACTIONS_BOT.login) return ACTIONS_BOT;
  let id = 1000;
  for (const ch of login) id = (id * 31 + ch.charCodeAt(0)) % 90_000_000;
  return { login, id: id + 1000, type: 'User' };
}

export function createApiState(opts: GitHubApiOptions = {}): ApiState {
  const owner = opts.owner ?? 'octo-org';
  const state: ApiState = {
    token: opts.token ?? randomToken(),
    serverUrl: (opts.serverUrl ?? 'https://github.com').replace(/\/+$/, ''),
    switches: { ...defaultSwitches, permissions: { ...defaultSwitches.permissions } },
    repos: [
      {
        id: 700_000_001,
        owner: { login: owner, id: 9_000_001, type: 'Organization' },
        name: opts.repo ?? 'backup',
        private: true,
        defaultBranch: 'main',
        nextNumber: 1,
        issues: new Map(),
        labels: new Map(),
      },
    ],
    requests: [],
    rate: { used: 0, resetAt: 0 },
    nextId: { issue: 2_000_000_001, comment: 3_000_000_001, label: 4_000_000_001 },
    pages: { switches: initialPagesSwitches(opts.pages), deployments: [], hooks: { ...opts.pagesHooks }, privateHost: `${randomBytes(6).toString('hex')}-${owner.toLowerCase()}` },
    now: () => Date.now(),
  };
  if (opts.switches) applySwitches(state, opts.switches);
  return state;
}

export async function startGitHubApi(opts: GitHubApiOptions = {}): Promise<RunningGitHubApi> {
  const state = createApiState(opts);
  const repo = state.repos[0]!;
  const server = createApiServer(state);
  const { port, close } = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    token: state.token,
    owner: repo.owner.login,
    repo: repo.name,
    issues: () => snapshotIssues(state),
    requests: () => state.requests.map((r) => ({ ...r })),
    switches: () => state.switches,
    setSwitches: (partial) => applySwitches(state, partial),
    addIssue(input: SeedIssue): number {
      const r = findRepo(state, repo.owner.login, repo.name)!;
      const { user, ...rest } = input;
      return addIssue(state, r, { ...rest, user: userFor(user) }).number;
    },
    pages: () => state.pages.switches,
    setPages: (partial) => applyPagesSwitches(state, partial),
    setPagesHooks(hooks: PagesHooks): void {
      state.pages.hooks = { ...hooks };
    },
    pagesDeployments: () => state.pages.deployments.map((d) => ({ ...d })),
    state,
    close,
  };
}

export type { Issue } from './snapshot.ts';
export type { GitHubApiSwitches, PagesDeploymentRecord, PagesHooks, PagesSwitches, PermissionLevel, RequestLogEntry } from './model.ts';
export { Router, type Route, type RouteContext } from './router.ts';
export { MAX_BODY_CHARS, MAX_TITLE_CHARS } from './issues.ts';
