// The control API under /__sim (no auth, JSON), for tests that run the Action as a child process: switches, log, issues.

import { json, parseJsonObject, type ApiRequest, type ApiResponse } from './http.ts';
import { defaultSwitches, type ApiState, type GitHubApiSwitches, type PermissionLevel } from './model.ts';
import { snapshotIssues } from './snapshot.ts';

export class SwitchError extends Error {
  override name = 'SwitchError';
}

const LEVELS: PermissionLevel[] = ['none', 'read', 'write'];

/** Checks an untrusted partial switches object; `permissions` is merged per scope. */
export function parseSwitches(value: unknown): Partial<GitHubApiSwitches> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SwitchError('expected a JSON object');
  const out: Partial<GitHubApiSwitches> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(k in defaultSwitches)) throw new SwitchError(`unknown switch ${k}`);
    if (k === 'permissions') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SwitchError('permissions: expected an object like {"issues":"read"}');
      const perms: Record<string, PermissionLevel> = {};
      for (const [scope, level] of Object.entries(v)) {
        if (!LEVELS.includes(level as PermissionLevel)) throw new SwitchError(`permissions.${scope}: expected none, read or write`);
        perms[scope] = level as PermissionLevel;
      }
      out.permissions = perms;
    } else if (k === 'issuesEnabled') {
      if (typeof v !== 'boolean') throw new SwitchError('issuesEnabled: expected a boolean');
      out.issuesEnabled = v;
    } else if (k === 'rateLimit') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SwitchError('rateLimit: expected a non-negative integer');
      out.rateLimit = v;
    }
  }
  return out;
}

export function applySwitches(state: ApiState, partial: Partial<GitHubApiSwitches>): GitHubApiSwitches {
  const checked = parseSwitches(partial);
  state.switches = {
    ...state.switches,
    ...checked,
    permissions: { ...state.switches.permissions, ...checked.permissions },
  };
  return state.switches;
}

export function controlRoutes(state: ApiState, req: ApiRequest): ApiResponse {
  const key = `${req.method} ${req.path}`;
  switch (key) {
    case 'GET /__sim/switches':
      return json(200, state.switches);
    case 'POST /__sim/switches': {
      const parsed = parseJsonObject(req, '');
      if (!parsed.ok) return json(400, { error: 'expected a JSON object' });
      try {
        return json(200, applySwitches(state, parsed.value as Partial<GitHubApiSwitches>));
      } catch (err) {
        if (err instanceof SwitchError) return json(400, { error: err.message });
        throw err;
      }
    }
    case 'GET /__sim/requests':
      return json(200, state.requests);
    case 'DELETE /__sim/requests':
      state.requests.length = 0;
      return json(200, {});
    case 'GET /__sim/issues':
      return json(200, snapshotIssues(state));
    default:
      return json(404, { error: `no control route ${key}` });
  }
}
