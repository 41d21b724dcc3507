// Strict reading of pt_backup.py's JSON files into typed records: every object is checked for the fields the importer
// uses, with their types (unknown extra fields are kept in `raw` and pass through); anything else is refused with the
// file and the JSON path of the first problem, never guessed around (research/other-sources.md §1.5).
//
// A broken export is a ServiceError: it is what the service (frozen in the export) gave us, not something the user
// typed. Retrying cannot help (Tracker closed on 2025-04-30), so the message says how to repair the file instead.

import { isDeepStrictEqual } from 'node:util';
import { ServiceError } from '../../lib/errors.ts';

export type JsonObject = Record<string, unknown>;

export interface PersonRef {
  id: number;
  name: string;
  email?: string;
  initials?: string;
}

export interface Membership {
  id: number;
  projectId?: number;
  person: PersonRef;
  updatedAt?: string;
  raw: JsonObject;
}

export interface Label {
  id: number;
  name: string;
}

export interface Epic {
  id: number;
  projectId?: number;
  name: string;
  label?: Label;
  updatedAt?: string;
  raw: JsonObject;
}

export interface Story {
  id: number;
  projectId: number;
  name: string;
  storyType: string;
  currentState: string;
  requestedById: number;
  ownerIds: number[];
  labels: Label[];
  description?: string;
  estimate?: number;
  createdAt: string;
  updatedAt: string;
  acceptedAt?: string;
  deadline?: string;
  url?: string;
  raw: JsonObject;
}

export interface Task {
  id: number;
  storyId: number;
  description: string;
  complete: boolean;
  position: number;
  createdAt: string;
  updatedAt?: string;
  /** Index in tasks.json, for messages. */
  index: number;
  raw: JsonObject;
}

export interface FileAttachment {
  id: number;
  filename: string;
  contentType?: string;
  size: number;
  createdAt: string;
  uploaderId?: number;
  /** Where it is described: `…/comments.json at $[4].attachments[0]`. */
  where: string;
  raw: JsonObject;
}

export interface LinkAttachment {
  id: number;
  title: string;
  url: string;
}

export interface Comment {
  id: number;
  storyId: number;
  text?: string;
  personId: number;
  createdAt: string;
  updatedAt?: string;
  files: FileAttachment[];
  links: LinkAttachment[];
  /** Index in comments.json, for messages. */
  index: number;
  raw: JsonObject;
}

export interface Activity {
  kind: string;
  guid: string;
  projectVersion: number;
  occurredAt: string;
  performedBy: PersonRef;
  primary: Array<{ kind: string; id: number }>;
  project?: { id: number; name: string };
  raw: JsonObject;
}

export const storyTypes = new Set(['feature', 'bug', 'chore', 'release']);
export const storyStates = new Set(['unscheduled', 'unstarted', 'planned', 'started', 'finished', 'delivered', 'accepted', 'rejected']);

/** ISO 8601 as the v5 API writes it ("2024-05-01T09:00:00Z"), fractions and offsets tolerated. */
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

const repairHint = 'this is not what pt_backup.py saves from Tracker API v5; repair or remove that entry (keep a copy of the file), then import again';

/** Reads values of one file, failing with `<file> at <path>: …` on the first mismatch. */
export class ShapeReader {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  fail(path: string, problem: string, hint = repairHint): never {
    throw new ServiceError(`Pivotal export ${this.file} at ${path}: ${problem}; ${hint}`);
  }

  object(v: unknown, path: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, found ${describe(v)}`);
    return v as JsonObject;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, found ${describe(v)}`);
    return v;
  }

  kind(o: JsonObject, path: string, expected: string): void {
    if (o.kind !== expected) this.fail(`${path}.kind`, `expected "${expected}", found ${describe(o.kind)}`);
  }

  idValue(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(path, `expected a whole number, found ${describe(v)}`);
    return v;
  }

  id(o: JsonObject, key: string, path: string): number {
    return this.idValue(o[key], `${path}.${key}`);
  }

  optionalId(o: JsonObject, key: string, path: string): number | undefined {
    return o[key] === undefined || o[key] === null ? undefined : this.id(o, key, path);
  }

  string(o: JsonObject, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, found ${describe(v)}`);
    return v;
  }

  optionalString(o: JsonObject, key: string, path: string): string | undefined {
    return o[key] === undefined || o[key] === null ? undefined : this.string(o, key, path);
  }

  oneOf(o: JsonObject, key: string, path: string, allowed: Set<string>): string {
    const v = this.string(o, key, path);
    if (!allowed.has(v)) this.fail(`${path}.${key}`, `expected one of ${[...allowed].join(', ')}, found ${describe(v)}`);
    return v;
  }

  boolean(o: JsonObject, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, `expected true or false, found ${describe(v)}`);
    return v;
  }

  optionalNumber(o: JsonObject, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, `expected a number, found ${describe(v)}`);
    return v;
  }

  /** A timestamp, normalised to whole seconds in UTC ("2024-05-01T09:00:00Z"). */
  time(o: JsonObject, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || !isoTime.test(v) || Number.isNaN(Date.parse(v))) this.fail(`${path}.${key}`, `expected an ISO 8601 time such as "2024-05-01T09:00:00Z", found ${describe(v)}`);
    return new Date(Date.parse(v)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  optionalTime(o: JsonObject, key: string, path: string): string | undefined {
    return o[key] === undefined || o[key] === null ? undefined : this.time(o, key, path);
  }

  idList(o: JsonObject, key: string, path: string): number[] {
    return this.array(o[key], `${path}.${key}`).map((v, i) => this.idValue(v, `${path}.${key}[${i}]`));
  }

  label(v: unknown, path: string): Label {
    const o = this.object(v, path);
    return { id: this.id(o, 'id', path), name: this.string(o, 'name', path) };
  }

  person(v: unknown, path: string): PersonRef {
    const o = this.object(v, path);
    const p: PersonRef = { id: this.id(o, 'id', path), name: this.string(o, 'name', path) };
    const email = this.optionalString(o, 'email', path);
    const initials = this.optionalString(o, 'initials', path);
    if (email !== undefined) p.email = email;
    if (initials !== undefined) p.initials = initials;
    return p;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The top level of every file: a JSON array of objects (pt_backup.py's json.dump of the API's list). */
function topLevel(r: ShapeReader, v: unknown): JsonObject[] {
  if (!Array.isArray(v)) {
    const envelope = typeof v === 'object' && v !== null && 'data' in v && 'pagination' in v;
    r.fail('$', `expected a JSON array, found ${describe(v)}${envelope ? ' with data and pagination (the API\'s envelope=true form)' : ''}`);
  }
  return v.map((x, i) => r.object(x, `$[${i}]`));
}

/**
 * Drops exact repeats of an id (an export pages stories by offset, so a story that moved while it ran is listed twice,
 * and its tasks and comments are fetched twice); two different objects under one id are refused.
 */
function unique<T extends { raw: JsonObject }>(r: ShapeReader, list: T[], key: (t: T) => number | string, what: string): T[] {
  const seen = new Map<number | string, { item: T; index: number }>();
  const out: T[] = [];
  list.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (!first) {
      seen.set(k, { item, index });
      out.push(item);
      return;
    }
    if (!isDeepStrictEqual(first.item.raw, item.raw)) {
      const differs = Object.keys({ ...first.item.raw, ...item.raw }).filter((f) => !isDeepStrictEqual(first.item.raw[f], item.raw[f]));
      r.fail(`$[${index}]`, `${what} ${k} is also at $[${first.index}], with different ${differs.join(', ')}`, 'an export holds each one once (twice only when paging overlapped, and then identically); keep the right one and remove the other, then import again');
    }
  });
  return out;
}

export function readMemberships(r: ShapeReader, v: unknown): Membership[] {
  const list = topLevel(r, v).map((o, i): Membership => {
    const path = `$[${i}]`;
    r.kind(o, path, 'project_membership');
    const m: Membership = { id: r.id(o, 'id', path), person: r.person(o.person, `${path}.person`), raw: o };
    const projectId = r.optionalId(o, 'project_id', path);
    const updatedAt = r.optionalTime(o, 'updated_at', path) ?? r.optionalTime(o, 'created_at', path);
    if (projectId !== undefined) m.projectId = projectId;
    if (updatedAt !== undefined) m.updatedAt = updatedAt;
    return m;
  });
  return unique(r, list, (m) => m.id, 'membership');
}

export function readEpics(r: ShapeReader, v: unknown): Epic[] {
  const list = topLevel(r, v).map((o, i): Epic => {
    const path = `$[${i}]`;
    r.kind(o, path, 'epic');
    const e: Epic = { id: r.id(o, 'id', path), name: r.string(o, 'name', path), raw: o };
    const projectId = r.optionalId(o, 'project_id', path);
    const updatedAt = r.optionalTime(o, 'updated_at', path) ?? r.optionalTime(o, 'created_at', path);
    if (projectId !== undefined) e.projectId = projectId;
    if (updatedAt !== undefined) e.updatedAt = updatedAt;
    if (o.label !== undefined && o.label !== null) e.label = r.label(o.label, `${path}.label`);
    r.optionalString(o, 'description', path);
    return e;
  });
  return unique(r, list, (e) => e.id, 'epic');
}

export function readStories(r: ShapeReader, v: unknown): Story[] {
  const list = topLevel(r, v).map((o, i): Story => {
    const path = `$[${i}]`;
    r.kind(o, path, 'story');
    const s: Story = {
      id: r.id(o, 'id', path),
      projectId: r.id(o, 'project_id', path),
      name: r.string(o, 'name', path),
      storyType: r.oneOf(o, 'story_type', path, storyTypes),
      currentState: r.oneOf(o, 'current_state', path, storyStates),
      requestedById: r.id(o, 'requested_by_id', path),
      ownerIds: r.idList(o, 'owner_ids', path),
      labels: r.array(o.labels, `${path}.labels`).map((l, j) => r.label(l, `${path}.labels[${j}]`)),
      createdAt: r.time(o, 'created_at', path),
      updatedAt: r.time(o, 'updated_at', path),
      raw: o,
    };
    const description = r.optionalString(o, 'description', path);
    const estimate = r.optionalNumber(o, 'estimate', path);
    const acceptedAt = r.optionalTime(o, 'accepted_at', path);
    const deadline = r.optionalTime(o, 'deadline', path);
    const url = r.optionalString(o, 'url', path);
    if (description !== undefined) s.description = description;
    if (estimate !== undefined) s.estimate = estimate;
    if (acceptedAt !== undefined) s.acceptedAt = acceptedAt;
    if (deadline !== undefined) s.deadline = deadline;
    if (url !== undefined) s.url = url;
    return s;
  });
  return unique(r, list, (s) => s.id, 'story');
}

export function readTasks(r: ShapeReader, v: unknown): Task[] {
  const list = topLevel(r, v).map((o, i): Task => {
    const path = `$[${i}]`;
    r.kind(o, path, 'task');
    const t: Task = {
      id: r.id(o, 'id', path),
      storyId: r.id(o, 'story_id', path),
      description: r.string(o, 'description', path),
      complete: r.boolean(o, 'complete', path),
      position: r.optionalNumber(o, 'position', path) ?? 0,
      createdAt: r.time(o, 'created_at', path),
      index: i,
      raw: o,
    };
    const updatedAt = r.optionalTime(o, 'updated_at', path);
    if (updatedAt !== undefined) t.updatedAt = updatedAt;
    return t;
  });
  return unique(r, list, (t) => t.id, 'task');
}

export function readComments(r: ShapeReader, v: unknown): Comment[] {
  const list = topLevel(r, v).map((o, i): Comment => {
    const path = `$[${i}]`;
    r.kind(o, path, 'comment');
    if (o.story_id === undefined && o.epic_id !== undefined) r.fail(`${path}.story_id`, 'this is a comment on an epic, which pt_backup.py never fetches');
    const c: Comment = {
      id: r.id(o, 'id', path),
      storyId: r.id(o, 'story_id', path),
      personId: r.id(o, 'person_id', path),
      createdAt: r.time(o, 'created_at', path),
      files: [],
      links: [],
      index: i,
      raw: o,
    };
    const text = r.optionalString(o, 'text', path);
    const updatedAt = r.optionalTime(o, 'updated_at', path);
    if (text !== undefined) c.text = text;
    if (updatedAt !== undefined) c.updatedAt = updatedAt;
    const attachments = o.attachments === undefined ? [] : r.array(o.attachments, `${path}.attachments`);
    attachments.forEach((a, j) => {
      const ap = `${path}.attachments[${j}]`;
      const ao = r.object(a, ap);
      if (ao.kind === 'file_attachment') {
        const f: FileAttachment = {
          id: r.id(ao, 'id', ap),
          filename: r.string(ao, 'filename', ap),
          size: r.id(ao, 'size', ap),
          createdAt: r.time(ao, 'created_at', ap),
          where: `${r.file} at ${ap}`,
          raw: ao,
        };
        const contentType = r.optionalString(ao, 'content_type', ap);
        const uploaderId = r.optionalId(ao, 'uploader_id', ap);
        if (contentType !== undefined) f.contentType = contentType;
        if (uploaderId !== undefined) f.uploaderId = uploaderId;
        c.files.push(f);
      } else if (ao.kind === 'google_attachment') {
        c.links.push({ id: r.id(ao, 'id', ap), title: r.optionalString(ao, 'title', ap) ?? 'Google attachment', url: r.string(ao, 'alternate_link', ap) });
      } else {
        r.fail(`${ap}.kind`, `expected "file_attachment" or "google_attachment", found ${describe(ao.kind)}`);
      }
    });
    return c;
  });
  return unique(r, list, (c) => c.id, 'comment');
}

export function readActivities(r: ShapeReader, v: unknown): Activity[] {
  const list = topLevel(r, v).map((o, i): Activity => {
    const path = `$[${i}]`;
    const kind = r.string(o, 'kind', path);
    if (!/^[a-z_]+_activity$/.test(kind)) r.fail(`${path}.kind`, `expected an activity kind such as "story_update_activity", found ${describe(kind)}`);
    r.array(o.changes, `${path}.changes`).forEach((ch, j) => r.string(r.object(ch, `${path}.changes[${j}]`), 'kind', `${path}.changes[${j}]`));
    const a: Activity = {
      kind,
      guid: r.string(o, 'guid', path),
      projectVersion: r.id(o, 'project_version', path),
      occurredAt: r.time(o, 'occurred_at', path),
      performedBy: r.person(o.performed_by, `${path}.performed_by`),
      primary: r.array(o.primary_resources, `${path}.primary_resources`).map((p, j) => {
        const pp = `${path}.primary_resources[${j}]`;
        const po = r.object(p, pp);
        return { kind: r.string(po, 'kind', pp), id: r.id(po, 'id', pp) };
      }),
      raw: o,
    };
    r.optionalString(o, 'message', path);
    if (o.project !== undefined && o.project !== null) {
      const po = r.object(o.project, `${path}.project`);
      a.project = { id: r.id(po, 'id', `${path}.project`), name: r.string(po, 'name', `${path}.project`) };
    }
    return a;
  });
  return unique(r, list, (a) => a.guid, 'activity');
}
