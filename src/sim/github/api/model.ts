// State of the local GitHub REST API: the token, its permissions, the repository, its issues, labels and comments.

export type PermissionLevel = 'none' | 'read' | 'write';

/** Behaviour switches; tests flip them to play GitHub's failure answers. */
export interface GitHubApiSwitches {
  /**
   * The token's fine-grained permissions per scope (`issues`, later `pages`...), as a workflow's `permissions:` sets
   * them for GITHUB_TOKEN. Below what a route needs, GitHub answers 403 "Resource not accessible by integration"
   * with `X-Accepted-GitHub-Permissions`. Default: write for every scope.
   */
  permissions: Record<string, PermissionLevel>;
  /**
   * false: Issues are turned off in the repository's settings. Creating, reading, editing or commenting on an issue
   * answers 410 "Issues are disabled for this repo"; the issues list answers 200 with pull requests only.
   */
  issuesEnabled: boolean;
  /** Requests per hour and token before 403 "API rate limit exceeded" (GITHUB_TOKEN: 1000 per repository). */
  rateLimit: number;
}

export const defaultSwitches: GitHubApiSwitches = {
  permissions: {},
  issuesEnabled: true,
  rateLimit: 1000,
};

export function permissionOf(switches: GitHubApiSwitches, scope: string): PermissionLevel {
  return switches.permissions[scope] ?? 'write';
}

export interface UserRecord {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

/** The user GITHUB_TOKEN acts as. */
export const ACTIONS_BOT: UserRecord = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface CommentRecord {
  id: number;
  body: string;
  user: UserRecord;
  createdAt: number;
  updatedAt: number;
}

export type StateReason = 'completed' | 'reopened' | 'not_planned' | 'duplicate';

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: StateReason | null;
  /** Label names, in the order they were set. */
  labels: string[];
  user: UserRecord;
  comments: CommentRecord[];
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  closedBy: UserRecord | null;
  /** Pull requests are issues too on GitHub, and appear in the issues list. */
  pullRequest: boolean;
}

export interface RepoRecord {
  id: number;
  owner: UserRecord;
  name: string;
  private: boolean;
  defaultBranch: string;
  /** Issue and pull request numbers share one sequence. */
  nextNumber: number;
  issues: Map<number, IssueRecord>;
  /** Keyed by lower-cased name: label names are case-insensitive on GitHub. */
  labels: Map<string, LabelRecord>;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without '?', '' when none. */
  query: string;
  status: number;
}

/** GitHub Pages of the repository as the simulator plays it; tests flip these (see pages.ts). */
export interface PagesSwitches {
  /** false: Pages is not enabled: GET /pages and every Pages route answer 404. */
  enabled: boolean;
  /**
   * The `public` field GET /pages answers: true (anyone on the internet), false (private Pages, GitHub Enterprise
   * Cloud only), or 'missing' to leave the field out of the body.
   */
  public: boolean | 'missing';
  /** `workflow` (source: GitHub Actions) or `legacy` (a branch). */
  buildType: 'workflow' | 'legacy';
  cname: string | null;
  /** How many status polls of a deployment answer `deployment_in_progress` before its final status. */
  pollsInProgress: number;
  /** The final status of new deployments: `succeed`, a failure (`deployment_failed`...), or `never` to stay in progress. */
  outcome: 'succeed' | 'deployment_failed' | 'deployment_content_failed' | 'deployment_lost' | 'never';
}

export const defaultPagesSwitches: PagesSwitches = {
  enabled: false,
  public: true,
  buildType: 'workflow',
  cname: null,
  pollsInProgress: 2,
  outcome: 'succeed',
};

export interface PagesDeploymentRecord {
  /** The id GitHub gives a Pages deployment: the `pages_build_version` (the commit SHA). */
  id: string;
  artifactId: number;
  buildVersion: string;
  environment: string;
  oidcToken: string;
  /** Status polls answered so far. */
  polls: number;
  status: string;
  /** The outcome this deployment will reach (the switch at creation time). */
  outcome: PagesSwitches['outcome'];
  createdAt: number;
}

/** Ties the Pages routes to the other local services; unset hooks accept anything well-formed. */
export interface PagesHooks {
  /** Whether an artifact id names an uploaded artifact of this run (e.g. the artifact service's `artifact(id)`). */
  artifactExists?: (id: number) => boolean;
  /** Whether an OIDC token is valid (e.g. the OIDC service's `verify`). */
  verifyOidcToken?: (token: string) => boolean;
}

export interface PagesState {
  switches: PagesSwitches;
  deployments: PagesDeploymentRecord[];
  hooks: PagesHooks;
  /** Random part of a private site's *.pages.github.io host, fixed per repository. */
  privateHost: string;
}

export interface ApiState {
  token: string;
  /** Origin of github.com pages in `html_url` fields (default https://github.com). */
  serverUrl: string;
  switches: GitHubApiSwitches;
  repos: RepoRecord[];
  requests: RequestLogEntry[];
  rate: { used: number; resetAt: number };
  nextId: { issue: number; comment: number; label: number };
  /** GitHub Pages of the (first) repository. */
  pages: PagesState;
  now(): number;
}

export function findRepo(state: ApiState, owner: string, name: string): RepoRecord | undefined {
  const o = owner.toLowerCase();
  const n = name.toLowerCase();
  return state.repos.find((r) => r.owner.login.toLowerCase() === o && r.name.toLowerCase() === n);
}

export function findRepoById(state: ApiState, id: number): RepoRecord | undefined {
  return state.repos.find((r) => r.id === id);
}

/** Finds a label by name (case-insensitive), creating it with GitHub's default grey when it does not exist. */
export function ensureLabel(state: ApiState, repo: RepoRecord, name: string): LabelRecord {
  const key = name.toLowerCase();
  let label = repo.labels.get(key);
  if (!label) {
    label = { id: state.nextId.label++, name, color: 'ededed', description: null, default: false };
    repo.labels.set(key, label);
  }
  return label;
}

export interface NewIssue {
  title: string;
  body?: string | null;
  labels?: string[];
  state?: 'open' | 'closed';
  user?: UserRecord;
  pullRequest?: boolean;
}

export function addIssue(state: ApiState, repo: RepoRecord, input: NewIssue): IssueRecord {
  const now = state.now();
  const closed = input.state === 'closed';
  const issue: IssueRecord = {
    id: state.nextId.issue++,
    number: repo.nextNumber++,
    title: input.title,
    body: input.body ?? null,
    state: closed ? 'closed' : 'open',
    stateReason: closed ? 'completed' : null,
    labels: dedupeLabels(state, repo, input.labels ?? []),
    user: input.user ?? ACTIONS_BOT,
    comments: [],
    createdAt: now,
    updatedAt: now,
    closedAt: closed ? now : null,
    closedBy: closed ? (input.user ?? ACTIONS_BOT) : null,
    pullRequest: input.pullRequest ?? false,
  };
  repo.issues.set(issue.number, issue);
  return issue;
}

/** Label names as stored on an issue: created on use, spelled as the label is, each once. */
export function dedupeLabels(state: ApiState, repo: RepoRecord, names: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const label = ensureLabel(state, repo, n);
    const key = label.name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(label.name);
  }
  return out;
}
