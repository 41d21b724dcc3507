// POST /api/v1/{resource} (201 with the new object), PUT /api/v1/{resource}/{id} (partial update, 200 with the
// object), DELETE /api/v1/{resource}/{id} (200) [V grundlagen.md], with the projecttimes quirks measured on a live
// account [V KONZEPT §9]: POST answers timeID as a string and PUT as a number, write answers carry workingTime as a
// number and lack the joined fields, detail is cut to 800 characters in storage but echoed in full.

import { parseJsonBody } from '../projectplace/http.ts';
import { objectEnvelope } from './envelope.ts';
import { groupRank, nowMs, type Row } from './model.ts';
import { normaliseDate, visibleTo } from './query.ts';
import { apiError, type ApiContext, type ApiResult } from './read.ts';
import { deleteRecord, insertRecord, RecordError, updateRecord } from './records.ts';
import { isoDay } from './generator.ts';
import { renderRow } from './rows.ts';

/** Fields projecttimes write answers lack [V measured]. */
const TIME_JOINED = ['categoryName', 'projectNo', 'projectName', 'customerID', 'customerName', 'username'];

function parseBody(ctx: ApiContext): Row | undefined {
  const text = ctx.req.body.toString('utf8').trim();
  if (text === '') return {};
  const parsed = parseJsonBody(ctx.req);
  if (parsed.ok) {
    const v = parsed.value;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Row) : undefined;
  }
  // Form bodies (backup.php sends http_build_query output) [G: whether the API reads them].
  if (/^[^=&{[\s]+=/.test(text)) return Object.fromEntries(new URLSearchParams(text));
  return undefined;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
}

/** Brings a written value to the type the field is served in (taken from the defaults or an existing record). */
function coerce(ctx: ApiContext, field: string, value: unknown): unknown {
  if (value === null || typeof value === 'object') return value;
  let ref = ctx.spec.defaults[field];
  if (ref === null || ref === undefined) ref = ctx.state.tables[ctx.spec.name].rows.values().next().value?.[field];
  if (typeof value === 'string' && /date$|^birthday$/i.test(field)) return normaliseDate(value);
  if (typeof ref === 'number' && isNumeric(value)) return Number(value);
  if (typeof ref === 'string' && /^\d+\.\d{2}$/.test(ref) && isNumeric(value)) return Number(value).toFixed(2);
  if (typeof ref === 'string') return String(value);
  return value;
}

function writableFields(ctx: ApiContext, body: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(body)) {
    if (k in ctx.spec.defaults || k === 'userID') out[k] = coerce(ctx, k, v);
  }
  return out;
}

function checkReferences(ctx: ApiContext, fields: Row): void {
  for (const [field, resource] of Object.entries(ctx.spec.references)) {
    const v = fields[field];
    if (v === undefined || v === null) continue;
    if (!ctx.state.tables[resource].rows.has(Number(v))) throw new RecordError(409, `${field} ${String(v)} does not exist.`);
  }
}

/**
 * Rights for writes [V docs]: Zeiterfasser 1 only reads projects; only administrators create, edit or delete other
 * users' projecttimes; deleting other users' projecttasks needs Teamleiter. [G] the statuses and messages.
 */
function checkWriteRights(ctx: ApiContext, owner: unknown, method: 'POST' | 'PUT' | 'DELETE'): void {
  const id = ctx.identity;
  if (id.kind !== 'user') return;
  const rank = groupRank(id.usergroup);
  if (ctx.spec.name === 'projects' && rank <= groupRank('Zeiterfasser 1')) throw new RecordError(403, 'Access denied.');
  const foreign = owner !== null && owner !== undefined && Number(owner) !== id.userID;
  if (!foreign) return;
  if (ctx.spec.name === 'projecttimes' && id.usergroup !== 'Administrator') throw new RecordError(403, 'Only administrators may write project times of other users.');
  if (ctx.spec.name === 'projecttasks' && method === 'DELETE' && rank < groupRank('Teamleiter')) throw new RecordError(403, 'Access denied.');
}

function viaApiField(ctx: ApiContext): string | undefined {
  return ctx.spec.fields.find((f) => /ViaApi$/.test(f));
}

/** The object a write answers with. */
function writeAnswer(ctx: ApiContext, row: Row, method: 'POST' | 'PUT', sent: Row): Row {
  const rendered = renderRow(ctx.state, ctx.spec, row, 'single');
  if (ctx.spec.name !== 'projecttimes') return rendered;
  const out: Row = {};
  for (const [k, v] of Object.entries(rendered)) if (!TIME_JOINED.includes(k)) out[k] = v;
  out.timeID = method === 'POST' ? String(row.timeID) : row.timeID;
  out.workingTime = Number(row.workingTime);
  if (typeof sent.detail === 'string') out.detail = sent.detail;
  return out;
}

function fail(ctx: ApiContext, e: unknown): ApiResult {
  if (e instanceof RecordError) return apiError(ctx, e.status, e.message);
  throw e;
}

export function createRecord(ctx: ApiContext): ApiResult {
  const body = parseBody(ctx);
  if (!body) return apiError(ctx, 400, 'Invalid JSON.');
  const fields = writableFields(ctx, body);
  const missing = ctx.spec.required.filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
  if (missing.length) return apiError(ctx, 400, `Missing required parameter: ${missing.join(', ')}.`);
  try {
    checkWriteRights(ctx, fields.userID, 'POST');
    checkReferences(ctx, fields);
    const now = nowMs(ctx.state);
    if ('userID' in ctx.spec.defaults && (fields.userID === undefined || fields.userID === null)) {
      // [G] whom an App-Integration's records belong to is undocumented; the first administrator here.
      fields.userID = ctx.identity.kind === 'user' ? ctx.identity.userID : 1;
    }
    const via = viaApiField(ctx);
    if (via) fields[via] = 1;
    if (ctx.spec.name === 'projecttimes') {
      fields.date ??= isoDay(now);
      fields.creationDate = new Date(now).toISOString().slice(0, 19).replace('T', ' ');
      fields.freeTimeInput = fields.workingTimeStart ? 0 : 1;
      if (typeof fields.detail === 'string') fields.detail = fields.detail.slice(0, ctx.state.switches.detailMaxLength);
    }
    if (ctx.spec.name === 'projects') fields.projectDate ??= isoDay(now);
    const row = insertRecord(ctx.state, ctx.spec.name, fields, 'api');
    const data = writeAnswer(ctx, row, 'POST', body);
    return { status: 201, body: objectEnvelope(ctx.meta, 201, data, { insertID: data[ctx.spec.pk] }) };
  } catch (e) {
    return fail(ctx, e);
  }
}

export function changeRecord(ctx: ApiContext, id: number): ApiResult {
  const row = ctx.state.tables[ctx.spec.name].rows.get(id);
  if (!row || !visibleTo(ctx.spec, ctx.identity, row)) return apiError(ctx, 404, 'Data not found.');
  const body = parseBody(ctx);
  if (!body) return apiError(ctx, 400, 'Invalid JSON.');
  const fields = writableFields(ctx, body);
  try {
    checkWriteRights(ctx, row.userID, 'PUT');
    if (fields.userID !== undefined) checkWriteRights(ctx, fields.userID, 'PUT');
    checkReferences(ctx, fields);
    if (ctx.spec.name === 'projecttimes' && typeof fields.detail === 'string') fields.detail = fields.detail.slice(0, ctx.state.switches.detailMaxLength);
    const updated = updateRecord(ctx.state, ctx.spec.name, id, fields, 'api');
    return { status: 200, body: objectEnvelope(ctx.meta, 200, writeAnswer(ctx, updated, 'PUT', body)) };
  } catch (e) {
    return fail(ctx, e);
  }
}

export function removeRecord(ctx: ApiContext, id: number): ApiResult {
  const row = ctx.state.tables[ctx.spec.name].rows.get(id);
  if (!row || !visibleTo(ctx.spec, ctx.identity, row)) return apiError(ctx, 404, 'Data not found.');
  try {
    checkWriteRights(ctx, row.userID, 'DELETE');
    deleteRecord(ctx.state, ctx.spec.name, id, 'api');
    return { status: 200, body: objectEnvelope(ctx.meta, 200, []) };
  } catch (e) {
    return fail(ctx, e);
  }
}
