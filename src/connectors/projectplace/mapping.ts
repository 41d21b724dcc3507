// Turns Projectplace's JSON (workspaces, the recursive document tree, members) into the common model, checking shapes.

import { ServiceError } from '../../lib/errors.ts';
import type { Container, Item, Person } from '../../engine/model.ts';

type Json = Record<string, unknown>;

const maxDepth = 64;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A response that parsed as JSON but is not shaped as the endpoint promises. Not retried: a service that sends the
 * wrong types sends them again. The caller (the engine) keeps what it had for whatever this listing covered.
 */
function bad(endpoint: string, what: string): never {
  throw new ServiceError(`Projectplace's answer to ${endpoint} is unusable: ${what}`, { retryable: false });
}

/** A short, single-line rendering of an unexpected value for an error message. */
function shown(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  s = s.replace(/\s+/g, ' ');
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

function idOf(v: unknown, what: string, endpoint: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v)) return v;
  bad(endpoint, `${what} has an id that is not a plain number or word (${shown(v)})`);
}

function nameOf(v: unknown, what: string, endpoint: string): string {
  if (typeof v === 'string') return v;
  bad(endpoint, v === undefined || v === null ? `${what} has no name` : `${what} has a name that is not a string (${shown(v)})`);
}

function listOf(node: Json, key: string, where: string, endpoint: string): unknown[] {
  const v = node[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(endpoint, `"${key}" in ${where} is not a list (${shown(v)})`);
  return v;
}

/** Epoch seconds (number or digits), epoch milliseconds, or an ISO string → ISO-8601 UTC; undefined when absent. */
export function parseTime(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let ms: number;
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v))) {
    const n = Number(v);
    ms = n > 1e12 ? n : n * 1000;
  } else if (typeof v === 'string') {
    ms = Date.parse(v);
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** One page of POST /2/account/projects. */
export function parseWorkspacePage(body: unknown, archived: boolean, endpoint = 'POST /2/account/projects'): Container[] {
  if (!Array.isArray(body)) bad(endpoint, `the workspace list is not a JSON array (${shown(body)})`);
  return body.map((w, i) => {
    if (!isObject(w)) bad(endpoint, `workspace entry ${i} is not an object (${shown(w)})`);
    const status = w.archive_status;
    const id = idOf(w.id, `workspace entry ${i}`, endpoint);
    return {
      id,
      name: nameOf(w.name, `workspace ${id}`, endpoint),
      archived: status === 1 || status === 0 ? status === 1 : archived,
    };
  });
}

/**
 * GET /1/account/members?include_external_users=1 → people by id. Shapes and types are checked (a member list the
 * service garbled would put wrong names on commits for good); a member without a name gets a stable stand-in.
 */
export function parseMembers(body: unknown, endpoint = 'GET /1/account/members'): Map<string, Person> {
  const people = new Map<string, Person>();
  if (!isObject(body)) bad(endpoint, `the member list is not a JSON object (${shown(body)})`);
  if (!Array.isArray(body.members)) bad(endpoint, `"members" is not a list (${shown(body.members)})`);
  for (const key of ['members', 'external']) {
    const list = body[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) bad(endpoint, `"${key}" is not a list (${shown(list)})`);
    list.forEach((m: unknown, i) => {
      if (!isObject(m)) bad(endpoint, `entry ${i} of "${key}" is not an object (${shown(m)})`);
      const id = idOf(m.id, `entry ${i} of "${key}"`, endpoint);
      // Wrong types are refused; a missing name or email is not (a stand-in name keeps commits attributable).
      if (m.name !== undefined && m.name !== null && typeof m.name !== 'string') bad(endpoint, `member ${id} has a name that is not a string (${shown(m.name)})`);
      if (m.email !== undefined && m.email !== null && typeof m.email !== 'string') bad(endpoint, `member ${id} has an email that is not a string (${shown(m.email)})`);
      const name = typeof m.name === 'string' && m.name.trim() ? m.name : `Projectplace user ${id}`;
      const email = typeof m.email === 'string' && m.email.includes('@') ? m.email : undefined;
      people.set(id, email ? { id, name, email } : { id, name });
    });
  }
  return people;
}

function personOf(v: unknown, people: Map<string, Person>): Person | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) {
    if (v.id === undefined) return undefined;
    const id = String(v.id);
    return people.get(id) ?? { id, name: typeof v.name === 'string' ? v.name : `Projectplace user ${id}` };
  }
  const id = String(v);
  return people.get(id) ?? { id, name: `Projectplace user ${id}` };
}

function sizeOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/**
 * Walks the tree of GET /1/projects/{ws}/documents?recursive=true&include_urls=true into items.
 * Tolerates the variants research marks as guesses: empty lists omitted, size and ver_nr absent, time as epoch or ISO.
 */
export function* itemsFromTree(tree: unknown, container: Container, people: Map<string, Person>, endpoint = `GET /1/projects/${container.id}/documents`): Generator<Item> {
  if (!isObject(tree)) bad(endpoint, `the document tree is not a JSON object (${shown(tree)})`);
  const seen = new Set<string>();
  function* walk(node: Json, parentId: string | null, depth: number): Generator<Item> {
    if (depth > maxDepth) bad(endpoint, `folders are nested deeper than ${maxDepth}`);
    const where = parentId === null ? 'the workspace root' : `folder ${parentId}`;
    for (const f of listOf(node, 'containers', where, endpoint)) {
      if (!isObject(f)) bad(endpoint, `a folder in ${where} is not an object (${shown(f)})`);
      const id = idOf(f.id, `a folder in ${where}`, endpoint);
      if (seen.has(id)) bad(endpoint, `item ${id} appears twice`);
      seen.add(id);
      yield { id, kind: 'folder', name: nameOf(f.name, `folder ${id}`, endpoint), parentId, containerId: container.id, modifiedAt: parseTime(f.modified_time ?? f.modified) };
      const contents = f.contents;
      if (contents !== undefined && contents !== null) {
        if (!isObject(contents)) bad(endpoint, `the contents of folder ${id} are not an object (${shown(contents)})`);
        yield* walk(contents, id, depth + 1);
      }
    }
    for (const d of listOf(node, 'documents', where, endpoint)) {
      if (!isObject(d)) bad(endpoint, `a document in ${where} is not an object (${shown(d)})`);
      const id = idOf(d.id, `a document in ${where}`, endpoint);
      if (seen.has(id)) bad(endpoint, `item ${id} appears twice`);
      seen.add(id);
      const item: Item = {
        id,
        kind: 'document',
        name: nameOf(d.name ?? d.file_name, `document ${id}`, endpoint),
        parentId,
        containerId: container.id,
      };
      const modifiedAt = parseTime(d.modified_time ?? d.modified);
      if (modifiedAt) item.modifiedAt = modifiedAt;
      const modifier = personOf(d.last_modifier ?? d.modified_by, people);
      if (modifier) item.modifier = modifier;
      const size = sizeOf(d.size);
      if (size !== undefined) item.size = size;
      if (d.ver_nr !== undefined && d.ver_nr !== null && d.ver_nr !== '') {
        if (typeof d.ver_nr !== 'number' && typeof d.ver_nr !== 'string') bad(endpoint, `document ${id} has a ver_nr that is neither a number nor a string (${shown(d.ver_nr)})`);
        item.version = String(d.ver_nr);
      }
      yield item;
    }
    for (const u of listOf(node, 'urls', where, endpoint)) {
      if (!isObject(u)) bad(endpoint, `a link in ${where} is not an object (${shown(u)})`);
      const id = idOf(u.id, `a link in ${where}`, endpoint);
      if (seen.has(id)) bad(endpoint, `item ${id} appears twice`);
      seen.add(id);
      const item: Item = { id, kind: 'link', name: nameOf(u.name, `link ${id}`, endpoint), parentId, containerId: container.id };
      if (typeof u.url === 'string') item.url = u.url;
      const modifiedAt = parseTime(u.modified_time ?? u.modified);
      if (modifiedAt) item.modifiedAt = modifiedAt;
      const modifier = personOf(u.last_modifier, people);
      if (modifier) item.modifier = modifier;
      yield item;
    }
  }
  yield* walk(tree, null, 0);
}
