// GitHub's JSON shapes for users, repositories, labels, issues and comments, built from the simulator's records.

import { isoSeconds } from './http.ts';
import type { ApiState, CommentRecord, IssueRecord, LabelRecord, RepoRecord, UserRecord } from './model.ts';

/** A base64 node id in GitHub's "<prefix>_<base64>" style; opaque to clients. */
function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`sim:${prefix}:${id}`).toString('base64url')}`;
}

export function renderUser(state: ApiState, apiOrigin: string, u: UserRecord): Record<string, unknown> {
  const api = `${apiOrigin}/users/${encodeURIComponent(u.login)}`;
  const html = u.type === 'Bot' ? `${state.serverUrl}/apps/${u.login.replace(/\[bot\]$/, '')}` : `${state.serverUrl}/${u.login}`;
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type === 'Bot' ? 'BOT' : 'U', u.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: html,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function repoApiUrl(apiOrigin: string, repo: RepoRecord): string {
  return `${apiOrigin}/repos/${repo.owner.login}/${repo.name}`;
}

export function repoHtmlUrl(state: ApiState, repo: RepoRecord): string {
  return `${state.serverUrl}/${repo.owner.login}/${repo.name}`;
}

export function renderRepo(state: ApiState, apiOrigin: string, repo: RepoRecord): Record<string, unknown> {
  const url = repoApiUrl(apiOrigin, repo);
  const openIssues = [...repo.issues.values()].filter((i) => i.state === 'open').length;
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: `${repo.owner.login}/${repo.name}`,
    private: repo.private,
    owner: renderUser(state, apiOrigin, repo.owner),
    html_url: repoHtmlUrl(state, repo),
    description: null,
    fork: false,
    url,
    issues_url: `${url}/issues{/number}`,
    labels_url: `${url}/labels{/name}`,
    has_issues: state.switches.issuesEnabled,
    has_pages: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
  };
}

export function renderLabel(apiOrigin: string, repo: RepoRecord, l: LabelRecord): Record<string, unknown> {
  return {
    id: l.id,
    node_id: nodeId('LA', l.id),
    url: `${repoApiUrl(apiOrigin, repo)}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: l.default,
    description: l.description,
  };
}

export function renderIssue(state: ApiState, apiOrigin: string, repo: RepoRecord, i: IssueRecord): Record<string, unknown> {
  const repoUrl = repoApiUrl(apiOrigin, repo);
  const url = `${repoUrl}/issues/${i.number}`;
  const html = `${repoHtmlUrl(state, repo)}/${i.pullRequest ? 'pull' : 'issues'}/${i.number}`;
  const labels = i.labels.map((name) => {
    const l = repo.labels.get(name.toLowerCase());
    return l ? renderLabel(apiOrigin, repo, l) : { name };
  });
  return {
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    id: i.id,
    node_id: nodeId(i.pullRequest ? 'PR' : 'I', i.id),
    number: i.number,
    title: i.title,
    user: renderUser(state, apiOrigin, i.user),
    labels,
    state: i.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: i.comments.length,
    created_at: isoSeconds(i.createdAt),
    updated_at: isoSeconds(i.updatedAt),
    closed_at: i.closedAt === null ? null : isoSeconds(i.closedAt),
    closed_by: i.closedBy === null ? null : renderUser(state, apiOrigin, i.closedBy),
    author_association: i.user.type === 'Bot' ? 'NONE' : 'OWNER',
    active_lock_reason: null,
    ...(i.pullRequest && {
      draft: false,
      pull_request: {
        url: `${repoUrl}/pulls/${i.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: null,
      },
    }),
    body: i.body,
    reactions: reactions(`${url}/reactions`),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: i.stateReason,
  };
}

export function renderComment(state: ApiState, apiOrigin: string, repo: RepoRecord, issue: IssueRecord, c: CommentRecord): Record<string, unknown> {
  const repoUrl = repoApiUrl(apiOrigin, repo);
  return {
    url: `${repoUrl}/issues/comments/${c.id}`,
    html_url: `${repoHtmlUrl(state, repo)}/issues/${issue.number}#issuecomment-${c.id}`,
    issue_url: `${repoUrl}/issues/${issue.number}`,
    id: c.id,
    node_id: nodeId('IC', c.id),
    user: renderUser(state, apiOrigin, c.user),
    created_at: isoSeconds(c.createdAt),
    updated_at: isoSeconds(c.updatedAt),
    author_association: c.user.type === 'Bot' ? 'NONE' : 'OWNER',
    body: c.body,
    reactions: reactions(`${repoUrl}/issues/comments/${c.id}/reactions`),
    performed_via_github_app: null,
  };
}

function reactions(url: string): Record<string, unknown> {
  return { url, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 };
}
