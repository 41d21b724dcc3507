// Turns Projectplace's JSON (workspaces, the recursive document tree, members) into the common model, checking shapes.

import { ServiceError } from '../../lib/errors.ts';
import type { Container, Item, Person } from '../../engine/model.ts';

type Json = Record<string, unknown>;

const maxDepth = 64;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(what: string): never {
  throw new ServiceError(`Projectplace sent ${what}; the listing is incomplete, so nothing was marked deleted`, { retryable: false });
}

function idOf(v: unknown, what: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v)) return v;
  bad(`${what} with an unusable id (${JSON.stringify(v)?.slice(0, 40)})`);
}

function nameOf(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  bad(`${what} without a name`);
}

function listOf(node: Json, key: string, where: string): unknown[] {
  const v = node[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(`a "${key}" that is not a list in ${where}`);
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
export function parseWorkspacePage(body: unknown, archived: boolean): Container[] {
  if (!Array.isArray(body)) bad('a workspace list that is not a JSON array');
  return body.map((w) => {
    if (!isObject(w)) bad('a workspace entry that is not an object');
    const status = w.archive_status;
    return {
      id: idOf(w.id, 'a workspace'),
      name: nameOf(w.name, 'a workspace'),
      archived: typeof status === 'number' ? status === 1 : archived,
    };
  });
}

/** GET /1/account/members?include_external_users=1 → people by id. */
export function parseMembers(body: unknown): Map<string, Person> {
  const people = new Map<string, Person>();
  if (!isObject(body)) return people;
  for (const key of ['members', 'external']) {
    const list = body[key];
    if (!Array.isArray(list)) continue;
    for (const m of list) {
      if (!isObject(m) || (typeof m.id !== 'number' && typeof m.id !== 'string')) continue;
      const id = String(m.id);
      const name = typeof m.name === 'string' && m.name.trim() ? m.name : `Projectplace user ${id}`;
      const email = typeof m.email === 'string' && m.email.includes('@') ? m.email : undefined;
      people.set(id, email ? { id, name, email } : { id, name });
    }
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
export function* itemsFromTree(tree: unknown, container: Container, people: Map<string, Person>): Generator<Item> {
  if (!isObject(tree)) bad(`a document tree for workspace ${container.id} that is not an object`);
  const seen = new Set<string>();
  function* walk(node: Json, parentId: string | null, depth: number): Generator<Item> {
    if (depth > maxDepth) bad(`folders nested deeper than ${maxDepth} in workspace ${container.id}`);
    const where = `workspace ${container.id}`;
    for (const f of listOf(node, 'containers', where)) {
      if (!isObject(f)) bad(`a folder that is not an object in ${where}`);
      const id = idOf(f.id, `a folder in ${where}`);
      if (seen.has(id)) bad(`folder ${id} twice in ${where}`);
      seen.add(id);
      yield { id, kind: 'folder', name: nameOf(f.name, `folder ${id}`), parentId, containerId: container.id, modifiedAt: parseTime(f.modified_time ?? f.modified) };
      const contents = f.contents;
      if (contents !== undefined && contents !== null) {
        if (!isObject(contents)) bad(`folder ${id} with contents that are not an object`);
        yield* walk(contents, id, depth + 1);
      }
    }
    for (const d of listOf(node, 'documents', where)) {
      if (!isObject(d)) bad(`a document that is not an object in ${where}`);
      const id = idOf(d.id, `a document in ${where}`);
      if (seen.has(id)) bad(`document ${id} twice in ${where}`);
      seen.add(id);
      const item: Item = {
        id,
        kind: 'document',
        name: nameOf(d.name ?? d.file_name, `document ${id}`),
        parentId,
        containerId: container.id,
      };
      const modifiedAt = parseTime(d.modified_time ?? d.modified);
      if (modifiedAt) item.modifiedAt = modifiedAt;
      const modifier = personOf(d.last_modifier ?? d.modified_by, people);
      if (modifier) item.modifier = modifier;
      const size = sizeOf(d.size);
      if (size !== undefined) item.size = size;
      if (d.ver_nr !== undefined && d.ver_nr !== null && d.ver_nr !== '') item.version = String(d.ver_nr);
      yield item;
    }
    for (const u of listOf(node, 'urls', where)) {
      if (!isObject(u)) bad(`a link that is not an object in ${where}`);
      const id = idOf(u.id, `a link in ${where}`);
      if (seen.has(id)) bad(`link ${id} twice in ${where}`);
      seen.add(id);
      const item: Item = { id, kind: 'link', name: nameOf(u.name, `link ${id}`), parentId, containerId: container.id };
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
