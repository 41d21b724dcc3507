// Plain read-outs of the simulator's issues for test assertions (no GitHub JSON noise).

import type { ApiState, RepoRecord, StateReason } from './model.ts';

export interface Issue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: StateReason | null;
  labels: string[];
  /** Comment bodies, oldest first. */
  comments: string[];
  user: string;
  pullRequest: boolean;
}

export function snapshotRepoIssues(repo: RepoRecord): Issue[] {
  return [...repo.issues.values()]
    .sort((a, b) => a.number - b.number)
    .map((i) => ({
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      stateReason: i.stateReason,
      labels: [...i.labels],
      comments: i.comments.map((c) => c.body),
      user: i.user.login,
      pullRequest: i.pullRequest,
    }));
}

/** Issues (and pull requests) of the first repository: the one the simulator was started for. */
export function snapshotIssues(state: ApiState): Issue[] {
  const repo = state.repos[0];
  return repo ? snapshotRepoIssues(repo) : [];
}
