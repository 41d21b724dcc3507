// The node collection and its operations as db/mongodb.js performs them: create (null for an existing id), read
// (null for a missing one, in the order asked), update ($set, and $unset for `null`), remove, and the array mingo
// queries. Ids a client gives as 24 hex digits are stored as ObjectIds, as exportId does.

import { update } from 'mingo';
import { idKey, ObjectId, OBJECT_ID, storedId, type DamasNode, type SimState } from './model.ts';

/** The store key for an id as a client writes it: 24-hex ids are ObjectIds, keyed by their lower-case hex. */
export function lookupKey(id: string): string {
  return OBJECT_ID.test(id) ? id.toLowerCase() : id;
}

/** A fresh ObjectId: 4 bytes of seconds, 5 bytes from the seed, a 3-byte counter (as MongoDB makes them). */
export function newObjectId(state: SimState): ObjectId {
  const seconds = Math.floor(state.now() / 1000) >>> 0;
  const machine = ((state.seed * 2654435761) >>> 0).toString(16).padStart(8, '0') + ((state.seed >>> 3) & 0xff).toString(16).padStart(2, '0');
  const counter = (state.oidCounter++ & 0xffffff).toString(16).padStart(6, '0');
  return new ObjectId(seconds.toString(16).padStart(8, '0') + machine + counter);
}

/** A deep copy of parsed JSON (nodes never share objects with requests or answers). */
export function cloneJson<T>(v: T): T {
  if (v instanceof ObjectId) return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneJson(x);
    return out as T;
  }
  return v;
}

export function collection(state: SimState): DamasNode[] {
  state.collection ??= [...state.nodes.values()];
  return state.collection;
}

function changed(state: SimState): void {
  state.collection = null;
}

/** Inserts each node (an `_id` is generated when it has none); null where the id exists already. */
export function createNodes(state: SimState, nodes: Array<Record<string, unknown>>, by: string): Array<DamasNode | null> {
  return nodes.map((raw) => {
    const node = cloneJson(raw) as DamasNode;
    const given: unknown = node._id;
    if (given === undefined || given === null) {
      // Mongo puts a generated _id first.
      const { _id: _, ...rest } = node;
      const id = newObjectId(state);
      const withId: DamasNode = { _id: id, ...rest };
      state.nodes.set(id.hex, withId);
      changed(state);
      state.changes.push({ op: 'create', id: id.hex, by, at: state.now() });
      return withId;
    }
    if (typeof given !== 'string') return null; // Mongo would store a number or an object as the _id; not simulated
    const key = lookupKey(given);
    if (state.nodes.has(key)) return null;
    node._id = storedId(given);
    state.nodes.set(key, node);
    changed(state);
    state.changes.push({ op: 'create', id: key, by, at: state.now() });
    return node;
  });
}

/** The nodes for these ids, in the order asked, null for those that do not exist. */
export function readNodes(state: SimState, ids: string[]): Array<DamasNode | null> {
  return ids.map((id) => state.nodes.get(lookupKey(id)) ?? null);
}

/**
 * Updates each node by its `_id`: every other key is set, a `null` value removes the key (db/mongodb.js update:
 * $set/$unset; dotted keys reach into sub-objects, as in Mongo). `time` is not touched. Answers a read of the ids.
 */
export function updateNodes(state: SimState, nodes: Array<Record<string, unknown>>, by: string): Array<DamasNode | null> {
  const ids: string[] = [];
  for (const raw of nodes) {
    const id = typeof raw._id === 'string' ? raw._id : String(raw._id);
    ids.push(id);
    const node = state.nodes.get(lookupKey(id));
    if (!node) continue;
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, ''> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (k === '_id') continue;
      if (v === null) $unset[k] = '';
      else $set[k] = cloneJson(v);
    }
    const modifier: Record<string, unknown> = {};
    if (Object.keys($set).length > 0) modifier.$set = $set;
    if (Object.keys($unset).length > 0) modifier.$unset = $unset;
    if (Object.keys(modifier).length > 0) update(node, modifier as Parameters<typeof update>[1]);
    changed(state);
    state.changes.push({ op: 'update', id: idKey(node._id), by, at: state.now() });
  }
  return readNodes(state, ids);
}

/** Removes each id; answers the id, or null where nothing was removed. */
export function removeNodes(state: SimState, ids: string[], by: string): Array<string | null> {
  return ids.map((id) => {
    const key = lookupKey(id);
    if (!state.nodes.delete(key)) return null;
    changed(state);
    state.changes.push({ op: 'delete', id: key, by, at: state.now() });
    return id;
  });
}

/** Writes a value stored in the simulator as the server's JSON (ObjectIds as hex). */
export function toJson(v: unknown): string {
  return JSON.stringify(v);
}
