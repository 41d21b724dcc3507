// Turns stored records into what the API serves: joined fields from related records, derived fields (nested
// lists, sums), the resource's field order, list-versus-single differences and the type quirks.

import type { ResourceName, Row, SimState } from './model.ts';
import { SPECS, type ResourceSpec } from './resources.ts';

type Derive = (state: SimState, row: Row) => unknown;

const sums = new WeakMap<SimState, { version: number; byProject: Map<number, number> }>();

/** Hours booked per project (projects.timeNeeded), recomputed once per state version. */
function timeNeeded(state: SimState, projectID: number): number {
  let cached = sums.get(state);
  if (!cached || cached.version !== state.version) {
    const byProject = new Map<number, number>();
    for (const t of state.tables.projecttimes.rows.values()) {
      const p = t.projectID as number;
      byProject.set(p, (byProject.get(p) ?? 0) + Number(t.workingTime));
    }
    cached = { version: state.version, byProject };
    sums.set(state, cached);
  }
  return Math.round((cached.byProject.get(projectID) ?? 0) * 100) / 100;
}

function contactSummary(c: Row): Row {
  // "LastName" with a capital L, as in the docs' examples.
  return {
    contactID: c.contactID,
    firstName: c.firstName,
    LastName: c.lastName,
    position: c.position,
    department: c.department,
    email: c.email,
    email2: c.email2,
    telephone: c.telephone,
    mobile: c.mobile,
  };
}

function rowsWhere(state: SimState, resource: ResourceName, field: string, value: unknown): Row[] {
  const out: Row[] = [];
  for (const r of state.tables[resource].rows.values()) if (r[field] === value) out.push(r);
  return out;
}

const DERIVED: Partial<Record<ResourceName, Record<string, Derive>>> = {
  projects: {
    timeNeeded: (s, r) => timeNeeded(s, r.projectID as number),
    usersAssigned: (s, r) =>
      ((r._users as number[] | undefined) ?? []).map((id) => {
        const u = s.tables.users.rows.get(id);
        return { userID: id, username: u?.username ?? '', userFirstName: u?.userFirstName ?? '', userLastName: u?.userLastName ?? '' };
      }),
  },
  addresses: {
    contactsAssigned: (s, r) => rowsWhere(s, 'contacts', 'addressID', r.addressID).map(contactSummary),
  },
  customers: {
    addressesAssigned: (s, r) =>
      rowsWhere(s, 'addresses', 'customerID', r.customerID).map((a) => ({
        addressID: a.addressID,
        name1: a.name1,
        name2: a.name2,
        name3: a.name3,
        addressName: a.addressName,
        street: a.street,
        streetNo: numericCheck(a.streetNo),
        postalCode: numericCheck(a.postalCode),
        city: a.city,
        country: a.country,
      })),
    contactsAssigned: (s, r) => rowsWhere(s, 'contacts', 'customerID', r.customerID).map(contactSummary),
  },
};

/** Fields a resource computes rather than stores (nested summaries, sums). */
export function derivedFields(resource: ResourceName): string[] {
  return Object.keys(DERIVED[resource] ?? {});
}

/** Fields a resource copies from related records. */
export function joinedFields(spec: ResourceSpec): string[] {
  return spec.joins.flatMap((j) => Object.keys(j.fields));
}

/** The record with its joined fields (no derived ones). */
export function withJoins(state: SimState, spec: ResourceSpec, row: Row): Row {
  if (spec.joins.length === 0) return row;
  const out: Row = { ...row };
  for (const j of spec.joins) {
    const key = out[j.key];
    const other = key === null || key === undefined ? undefined : state.tables[j.from].rows.get(Number(key));
    for (const [to, from] of Object.entries(j.fields)) out[to] = other ? other[from] : (j.missing ?? null);
  }
  return out;
}

/** One field's value as sorting and filtering see it (stored, joined or derived). */
export function fieldValue(state: SimState, spec: ResourceSpec, row: Row, field: string): unknown {
  if (field in row) return row[field];
  const derive = DERIVED[spec.name]?.[field];
  if (derive) return derive(state, row);
  return withJoins(state, spec, row)[field];
}

/** A numeric-looking string as a number (no leading zeros, no signs), like PHP's JSON_NUMERIC_CHECK without its data loss. */
function numericCheck(v: unknown): unknown {
  return typeof v === 'string' && /^(0|[1-9]\d{0,14})$/.test(v) ? Number(v) : v;
}

/** Rows whose pk % 7 === 3 serve the pk and their first other number as strings (switch irregularTypes). */
function irregular(spec: ResourceSpec, out: Row): void {
  const pk = out[spec.pk];
  if (typeof pk !== 'number' || pk % 7 !== 3) return;
  out[spec.pk] = String(pk);
  for (const [k, v] of Object.entries(out)) {
    if (k !== spec.pk && typeof v === 'number') {
      out[k] = String(v);
      return;
    }
  }
}

/** The record as served in a list (`list`) or by GET /{resource}/{id} (`single`). */
export function renderRow(state: SimState, spec: ResourceSpec, row: Row, mode: 'list' | 'single'): Row {
  const joined = withJoins(state, spec, row);
  const derived = DERIVED[spec.name] ?? {};
  const out: Row = {};
  for (const f of spec.fields) {
    if (mode === 'list' && spec.singleOnly.includes(f)) continue;
    if (mode === 'list' && !state.switches.listNestedArrays && spec.nested.includes(f)) continue;
    const derive = derived[f];
    const v = derive ? derive(state, row) : joined[f];
    out[f] = v === undefined ? null : spec.numericCheck.includes(f) ? numericCheck(v) : v;
  }
  if (state.switches.irregularTypes) irregular(spec, out);
  return out;
}

/** Every record of a resource as a list would serve it, ordered by primary key (for tests and the control API). */
export function renderAll(state: SimState, resource: ResourceName): Row[] {
  const spec = SPECS[resource];
  return [...state.tables[resource].rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => renderRow(state, spec, r, 'list'));
}
