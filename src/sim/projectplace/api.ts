// Projectplace service endpoints (listing side): account, workspaces, members, the v1 document tree and v2 documents.

import { errorResponse, flag, jsonResponse, parseJsonBody, type SimRequest, type SimResponse } from './http.ts';
import { mutate } from './mutate.ts';
import { childrenOf, containerOf, currentVersion, spaceUsed, type Item, type SimState, type User, type Workspace } from './model.ts';

type Json = Record<string, unknown>;

function userName(state: SimState, id: number): string {
  if (id === state.robot.id) return state.robot.name;
  return state.users.get(id)?.name ?? 'Unknown user';
}

function avatar(u: User): string {
  return `/ppi/avatars/initial_avatar_${(u.firstName[0] ?? '') + (u.lastName[0] ?? '')}.png`;
}

/** GET /1/account */
export function getAccount(state: SimState): SimResponse {
  const managers = [...state.users.values()].filter((u) => u.accountOwner && !u.removed).map((u) => ({ id: u.id, name: u.name }));
  return jsonResponse(200, { id: state.account.id, name: state.account.name, managers });
}

/** GET /1/user/me and /1/user/me/profile: the robot the credentials belong to. */
export function getProfile(state: SimState): SimResponse {
  const r = state.robot;
  return jsonResponse(200, {
    id: r.id,
    first_name: r.firstName,
    last_name: r.lastName,
    name: r.name,
    sort_name: `${r.lastName}, ${r.firstName}`,
    email: r.email,
  });
}

function sortedWorkspaces(state: SimState): Workspace[] {
  return [...state.workspaces.values()].sort((a, b) => (a.creationDate < b.creationDate ? -1 : a.creationDate > b.creationDate ? 1 : a.id - b.id));
}

/** GET /1/account/projects[?include_archived=1] → {"projects":[{id,name,archived}]}; archived omitted by default. */
export function getAccountProjects(state: SimState, req: SimRequest): SimResponse {
  const all = flag(req.query, 'include_archived');
  const projects = sortedWorkspaces(state)
    .filter((w) => all || !w.archived)
    .map((w) => ({ id: w.id, name: w.name, archived: w.archived }));
  return jsonResponse(200, { projects });
}

/** POST /1/account/projects (form `name`, `owner_id`) → the created workspace {id, name, archived}. */
export function createAccountProject(state: SimState, req: SimRequest): SimResponse {
  const form = new URLSearchParams(req.body.toString('utf8'));
  const name = form.get('name');
  if (!name) return errorResponse(state, 400, 'missing name');
  const id = mutate(state, { op: 'addWorkspace', name });
  return jsonResponse(200, { id, name, archived: false });
}

/** GET /1/user/me/projects[?include_tools=true] → array of active workspaces. */
export function getMyProjects(state: SimState, req: SimRequest): SimResponse {
  const tools = flag(req.query, 'include_tools');
  const out = sortedWorkspaces(state)
    .filter((w) => !w.archived)
    .map((w) => {
      const o: Json = { id: w.id, name: w.name, archived: w.archived };
      if (tools) o.tools = { documents: { container_id: w.id } };
      return o;
    });
  return jsonResponse(200, out);
}

const SORTS = ['+creation_date', '-creation_date', '+name', '-name'];

/** POST /2/account/projects {sort_by, filter:{archive_status}, limit, row_number} → JSON array, offset paging. */
export function postAccountProjects(state: SimState, req: SimRequest): SimResponse {
  let body: Json = {};
  if (req.body.length > 0) {
    const parsed = parseJsonBody(req);
    if (!parsed.ok) return errorResponse(state, 400, 'malformed JSON body');
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return errorResponse(state, 400, 'expected a JSON object');
    body = parsed.value as Json;
  }
  const sortBy = body.sort_by ?? '+creation_date';
  if (typeof sortBy !== 'string' || !SORTS.includes(sortBy)) return errorResponse(state, 400, `invalid sort_by: ${JSON.stringify(sortBy)}`);
  const limit = body.limit ?? state.switches.pageLimitDefault;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) return errorResponse(state, 400, 'invalid limit');
  const offset = body.row_number ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return errorResponse(state, 400, 'invalid row_number');
  let statuses: number[] = [0, 1];
  if (body.filter !== undefined) {
    const f = body.filter;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return errorResponse(state, 400, 'invalid filter');
    const as = (f as Json).archive_status;
    if (as !== undefined) {
      if (!Array.isArray(as) || !as.every((x) => x === 0 || x === 1)) return errorResponse(state, 400, 'invalid filter.archive_status');
      statuses = as as number[];
    }
  }
  const list = sortedWorkspaces(state).filter((w) => statuses.includes(w.archived ? 1 : 0));
  if (sortBy === '-creation_date') list.reverse();
  if (sortBy.endsWith('name')) {
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
    if (sortBy === '-name') list.reverse();
  }
  const page = list.slice(offset, offset + limit).map((w) => ({
    id: w.id,
    name: w.name,
    space_used: spaceUsed(state, w.id),
    archive_status: w.archived ? 1 : 0,
    creation_date: w.creationDate,
  }));
  return jsonResponse(200, page);
}

/** GET /1/account/members[?include_external_users=1][&flag=registered] → {"members":[…],"external":[…]}. */
export function getMembers(state: SimState, req: SimRequest): SimResponse {
  const registered = req.query.getAll('flag').includes('registered');
  const view = (u: User): Json => {
    const o: Json = { id: u.id, name: u.name, email: u.email, account_owner: u.accountOwner, account_admin: u.accountAdmin, avatar: avatar(u) };
    if (registered) o.registered = true;
    return o;
  };
  const users = [...state.users.values()].filter((u) => !u.removed);
  const members = users.filter((u) => !u.external).map(view);
  const external = flag(req.query, 'include_external_users') ? users.filter((u) => u.external).map(view) : [];
  return jsonResponse(200, { members, external });
}

function treeNode(state: SimState, containerId: number, recursive: boolean, includeUrls: boolean): Json {
  const containers: Json[] = [];
  const documents: Json[] = [];
  const urls: Json[] = [];
  const sw = state.switches;
  for (const item of childrenOf(state, containerId)) {
    if (item.kind === 'folder') {
      const c: Json = { id: item.id, name: item.name };
      if (recursive) c.contents = treeNode(state, item.id, true, includeUrls);
      containers.push(c);
    } else if (item.kind === 'document') {
      const v = currentVersion(item);
      const d: Json = { id: item.id, name: item.name, modified_time: item.modifiedTime, last_modifier: item.lastModifier };
      if (sw.documentVerNr) d.ver_nr = v?.verNr ?? 0;
      if (sw.documentSize) d.size = v?.size ?? 0;
      documents.push(d);
    } else if (includeUrls) {
      urls.push({ id: item.id, name: item.name, modified_time: item.modifiedTime, url: item.url ?? '' });
    }
  }
  const node: Json = { size: containers.length + documents.length + urls.length };
  if (!sw.omitEmptyLists || containers.length > 0) node.containers = containers;
  if (!sw.omitEmptyLists || documents.length > 0) node.documents = documents;
  if (includeUrls && (!sw.omitEmptyLists || urls.length > 0)) node.urls = urls;
  return node;
}

/** GET /1/projects/{ws}/documents[?recursive=true][&include_urls=true] → the nested tree. */
export function getProjectDocuments(state: SimState, req: SimRequest, wsId: number): SimResponse {
  if (!state.workspaces.has(wsId)) return errorResponse(state, 404, `project ${wsId} not found`);
  return jsonResponse(200, treeNode(state, wsId, flag(req.query, 'recursive'), flag(req.query, 'include_urls')));
}

function v2Time(state: SimState, epoch: number, o: Json): void {
  if (state.switches.v2TimeFormat === 'iso') o.modified = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  else o.modified_time = epoch;
}

/** An item as it appears in a v2 listing (`contents`) or, with `own`, as its own object. */
function v2Item(state: SimState, item: Item, own: boolean): Json {
  const sw = state.switches;
  if (item.kind === 'folder') return { id: item.id, type: 'Folder', file_name: item.name, container_id: containerOf(item) };
  const o: Json = { id: item.id, type: item.kind === 'document' ? 'Document' : 'Link', file_name: item.name };
  if (item.kind === 'document') o.os_file_name = encodeURIComponent(item.name);
  else o.url = item.url ?? '';
  if (!own || sw.v2DocumentContainerId) o.container_id = containerOf(item);
  o.project_id = item.workspaceId;
  v2Time(state, item.modifiedTime, o);
  if (item.kind === 'document') {
    const v = currentVersion(item);
    if (sw.documentVerNr) o.ver_nr = v?.verNr ?? 0;
    if (sw.documentSize) o.size = v?.size ?? 0;
  }
  o.last_modifier = item.lastModifier;
  o.creator = { id: item.creator, name: userName(state, item.creator) };
  return o;
}

/** GET /2/documents/{id}: a folder or workspace root with one level of `contents`, or a document's/link's own object. */
export function getV2Document(state: SimState, id: number): SimResponse {
  const ws = state.workspaces.get(id);
  const item = state.items.get(id);
  if (!ws && !item) return errorResponse(state, 404, `document ${id} not found`);
  if (item && item.kind !== 'folder') return jsonResponse(200, v2Item(state, item, true));
  const wsOf = ws ?? (state.workspaces.get((item as Item).workspaceId) as Workspace);
  return jsonResponse(200, {
    id,
    container_id: id,
    project_id: wsOf.id,
    type: 'Folder',
    file_name: ws ? ws.name : (item as Item).name,
    access: wsOf.archived ? 'read' : 'write',
    contents: childrenOf(state, id).map((c) => v2Item(state, c, false)),
  });
}
