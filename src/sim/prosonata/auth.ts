// Who is asking: an App-Integration (X-APP-ID + X-API-Key, full rights) or a user's personal key (X-API-Key, the
// rights of the user's group) [V grundlagen.md]. Query parameters appID/apiKey work too [V], behind a switch.

import { header, type SimRequest } from '../projectplace/http.ts';
import { groupRank, USERGROUPS, type ResourceName, type SimState, type Usergroup } from './model.ts';
import { SPECS } from './resources.ts';

export type Identity =
  | { kind: 'app'; appId: string; integration: string }
  | { kind: 'user'; userID: number; username: string; usergroup: Usergroup };

export type AuthResult = { ok: true; identity: Identity } | { ok: false; message: string };

/** The key (and App-ID) as presented, from headers or, when the switch allows, the query. */
export function presented(state: SimState, req: SimRequest): { key?: string; appId?: string } {
  let key = header(req, 'x-api-key') || undefined;
  let appId = header(req, 'x-app-id') || undefined;
  if (state.switches.queryAuth) {
    key ??= req.query.get('apiKey') || undefined;
    appId ??= req.query.get('appID') || undefined;
  }
  return { key, appId };
}

/** A label for the request log and the per-key budget (not verified). */
export function presentedLabel(state: SimState, req: SimRequest): string {
  const p = presented(state, req);
  if (p.appId) return `app:${p.appId}`;
  if (p.key) return `key:${p.key.slice(0, 24)}`;
  return 'none';
}

/** [G] wording of the messages; the status (401) is what a client branches on. */
export function authenticate(state: SimState, req: SimRequest): AuthResult {
  const { key, appId } = presented(state, req);
  const c = state.credentials;
  if (!key) return { ok: false, message: 'API key missing.' };
  if (appId !== undefined) {
    if (appId === c.appId && key === c.appKey) return { ok: true, identity: { kind: 'app', appId, integration: c.integrationName } };
    return { ok: false, message: 'Invalid App-ID or API key.' };
  }
  const personal = c.personalKeys.find((k) => k.key === key);
  if (!personal) return { ok: false, message: 'Invalid API key.' };
  const user = state.tables.users.rows.get(personal.userID);
  return {
    ok: true,
    identity: { kind: 'user', userID: personal.userID, username: (user?.username as string | undefined) ?? `user${personal.userID}`, usergroup: personal.usergroup },
  };
}

/** The identity's rank among USERGROUPS; app integrations rank as Administrator. */
export function rankOf(identity: Identity): number {
  return identity.kind === 'app' ? USERGROUPS.length - 1 : groupRank(identity.usergroup);
}

export function mayRead(identity: Identity, resource: ResourceName): boolean {
  return rankOf(identity) >= groupRank(SPECS[resource].minGroup);
}

/** A short stable label for caches and logs. */
export function identityLabel(identity: Identity): string {
  return identity.kind === 'app' ? 'app' : `user:${identity.userID}`;
}
