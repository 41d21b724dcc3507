// The one place records change: insert, update, delete. Used by the API's POST/PUT/DELETE, the control API and
// the drift switch; each change bumps the state version (so cached query results go stale) and is logged.

import { nowMs, type ResourceName, type Row, type SimState } from './model.ts';
import { SPECS } from './resources.ts';
import { derivedFields, joinedFields } from './rows.ts';

/** A change that cannot be made; `status` is what the API answers (404, 409). */
export class RecordError extends Error {
  override name = 'RecordError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The fields a resource stores (served fields minus joined and derived ones). */
export function storedFields(resource: ResourceName): string[] {
  const spec = SPECS[resource];
  const computed = new Set([...joinedFields(spec), ...derivedFields(resource)]);
  return spec.fields.filter((f) => !computed.has(f));
}

function log(state: SimState, source: string, op: 'insert' | 'update' | 'delete', resource: ResourceName, id: number): void {
  state.version++;
  state.changes.push({ seq: ++state.changeSeq, source, op, resource, id, at: nowMs(state) });
}

/** Adds a record: every stored field (null unless given or defaulted), the next id unless `id` is given. */
export function insertRecord(state: SimState, resource: ResourceName, fields: Row, source: string, id?: number): Row {
  const spec = SPECS[resource];
  const table = state.tables[resource];
  const newId = id ?? table.nextId;
  if (!Number.isSafeInteger(newId) || newId < 0) throw new RecordError(400, `${spec.pk}: expected a non-negative integer`);
  if (table.rows.has(newId)) throw new RecordError(409, `${resource} ${newId} exists already`);
  const row: Row = {};
  for (const f of storedFields(resource)) row[f] = null;
  if (resource === 'projects') row._users = [];
  Object.assign(row, spec.defaults, fields);
  row[spec.pk] = newId;
  table.rows.set(newId, row);
  table.nextId = Math.max(table.nextId, newId + 1);
  log(state, source, 'insert', resource, newId);
  return row;
}

/** Changes the given fields (never the primary key). */
export function updateRecord(state: SimState, resource: ResourceName, id: number, fields: Row, source: string): Row {
  const spec = SPECS[resource];
  const row = state.tables[resource].rows.get(id);
  if (!row) throw new RecordError(404, 'Data not found.');
  for (const [k, v] of Object.entries(fields)) if (k !== spec.pk) row[k] = v;
  log(state, source, 'update', resource, id);
  return row;
}

export function deleteRecord(state: SimState, resource: ResourceName, id: number, source: string): Row {
  const table = state.tables[resource];
  const row = table.rows.get(id);
  if (!row) throw new RecordError(404, 'Data not found.');
  table.rows.delete(id);
  log(state, source, 'delete', resource, id);
  return row;
}
