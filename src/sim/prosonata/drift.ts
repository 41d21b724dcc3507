// The drift switch: records change while a client pages through a list, as on a live account during a long walk.
// Applied after a page is answered: a delete among the rows already served moves every later row one place up
// (offset paging then skips one), an insert adds a record at the end (totalCount grows), an edit changes a row
// the client already has.

import { intBetween, pick } from '../projectplace/prng.ts';
import type { DriftOp, ResourceName, Row, SimState } from './model.ts';
import { deleteRecord, insertRecord, storedFields, updateRecord } from './records.ts';
import { SPECS } from './resources.ts';

export interface DriftEvent {
  op: DriftOp;
  resource: ResourceName;
  id: number;
}

function editable(resource: ResourceName, row: Row): string | undefined {
  const spec = SPECS[resource];
  return storedFields(resource).find((f) => f !== spec.pk && typeof row[f] === 'string' && !/date|time|^_/i.test(f));
}

function applyOp(state: SimState, op: DriftOp, resource: ResourceName, servedIds: number[]): DriftEvent | undefined {
  const rng = state.drift.rng;
  const table = state.tables[resource];
  const spec = SPECS[resource];
  if (op === 'insert') {
    const all = [...table.rows.values()];
    if (all.length === 0) return undefined;
    const copy: Row = structuredClone(pick(rng, all));
    delete copy[spec.pk];
    const field = editable(resource, copy);
    if (field) copy[field] = `${String(copy[field])} (neu ${intBetween(rng, 1000, 9999)})`;
    const row = insertRecord(state, resource, copy, 'drift');
    return { op, resource, id: row[spec.pk] as number };
  }
  const alive = servedIds.filter((id) => table.rows.has(id));
  if (alive.length === 0) return undefined;
  const id = pick(rng, alive);
  if (op === 'delete') {
    deleteRecord(state, resource, id, 'drift');
    return { op, resource, id };
  }
  const row = table.rows.get(id) as Row;
  const field = editable(resource, row);
  const fields: Row = field ? { [field]: `${String(row[field])} (geändert)` } : {};
  updateRecord(state, resource, id, fields, 'drift');
  return { op, resource, id };
}

/** Called after a list page of `resource` was answered with these ids; applies the next drift op when due. */
export function afterListPage(state: SimState, resource: ResourceName, servedIds: number[]): DriftEvent | undefined {
  const rule = state.switches.drift;
  if (!rule) return undefined;
  if (rule.resources && !rule.resources.includes(resource)) return undefined;
  state.drift.pages++;
  if (state.drift.pages % rule.every !== 0) return undefined;
  if (rule.times !== null && state.drift.applied >= rule.times) return undefined;
  const op = rule.ops[state.drift.applied % rule.ops.length] as DriftOp;
  const event = applyOp(state, op, resource, servedIds);
  if (event) state.drift.applied++;
  return event;
}
