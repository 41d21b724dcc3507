// Writes folders exactly as `pt_backup.py` (tardate/LittleCodingKata, tools/pt_backup) leaves them, from seeded Pivotal
// Tracker v5 data: one project per folder, memberships.json, epics.json, stories.json, tasks.json, comments.json and
// activities.json as flat JSON arrays written by Python's json.dump(indent=4), and attachments/<id>/<filename>.
//
// What the script does that this copies (research/other-sources.md §1.2):
// - the files are written in this order: memberships, epics, stories, then tasks and comments (only when stories were
//   saved), then activities; attachments are downloaded while comments are fetched;
// - save_data() on an empty collection raises NameError (it prints the undefined name `endpoint`), so the first empty
//   collection ends the run and no later file is written (`emptyCollections: 'crash'`). A fixed script skips the file
//   and goes on (`'skip'`); `'write'` writes `[]`, as a hand-made or other tool's export would;
// - json.dump(indent=4) with ensure_ascii: every non-ASCII character as \uXXXX, no trailing newline;
// - an attachment goes to os.path.join(folder, 'attachments', str(id), filename), unsanitised: "../x" lands outside.
// The data is the v5 API's object shapes (default fields), activities newest first as the API lists them.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One project's data as the API served it, plus the attachment files' bytes. */
export interface PivotalProject {
  id: number;
  name: string;
  memberships: JsonObject[];
  epics: JsonObject[];
  stories: JsonObject[];
  tasks: JsonObject[];
  comments: JsonObject[];
  activities: JsonObject[];
  /** Attachment id → file content (the file name is in the comment's attachment entry). */
  files: Map<number, Buffer>;
  /** The project's clock: the time of the latest event (new events go after it). */
  clock: number;
  /** project.version: one more for every event. */
  version: number;
}

export interface GenerateOptions {
  seed?: number;
  projectId?: number;
  projectName?: string;
  people?: number;
  epics?: number;
  stories?: number;
  /** Stories get 0..maxTasks tasks. */
  maxTasks?: number;
  /** Stories get 0..maxComments comments. */
  maxComments?: number;
  /** Hostile story titles and attachment names (control characters, device names, `..`, RTL override, long names). */
  hostileNames?: boolean;
  /** An attachment whose file name escapes its folder (pt_backup.py wrote it where os.path.join pointed). */
  escapingAttachment?: string;
  /** Comment times start here (ISO); default 2023-03-06T09:00:00Z plus a seeded offset. */
  start?: string;
}

/** mulberry32: small, fast, good enough for fixtures, same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = ['Alice', 'Bjørn', 'Chloé', 'Dmitri', 'Emeka', 'Fatima', 'Gustav', 'Hana', 'Iñigo', 'Jun'];
const lastNames = ['Archer', 'Berg', 'Castillo', 'Dvořák', 'Eze', 'Fischer', 'García', 'Hoffmann', 'Ito', 'Jansen'];
const titles = ['Login page remembers the user', 'Export invoices as CSV', 'Fix crash on empty cart', 'Upgrade the database driver', 'Search by customer number', 'Release 2.4', 'Dark mode for the dashboard', 'Rate-limit the public API', 'Translate checkout into German', 'Remove the legacy importer'];
const hostileTitles = ['../../etc/passwd', 'CON', 'line\nbreak and\ttab', 'Invoice\u202Efdp.exe', '.git', 'trailing dots...', 'x'.repeat(150) + 'ü'.repeat(80), 'Same Title', 'same title', ' \u0007 bell'];
const hostileFiles = ['con.txt', 'a\u0001b.txt', 'report\u202Eexe.pdf', '.gitattributes', 'back\\slash.png', 'trailing dot.', 'ünïcödé ×.txt', 'image.png'];
const labelNames = ['backend', 'frontend', 'ux', 'billing', 'infra'];
const contentTypes: Array<[string, string]> = [['png', 'image/png'], ['pdf', 'application/pdf'], ['txt', 'text/plain'], ['csv', 'text/csv']];

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** A seeded project: members, epics with labels, stories with tasks, comments with attachments, and the activity that made them. */
export function generateProject(opts: GenerateOptions = {}): PivotalProject {
  const seed = opts.seed ?? 1;
  const r = rng(seed);
  const pid = opts.projectId ?? 2_400_000 + (seed % 1000) * 7;
  const project: PivotalProject = {
    id: pid,
    name: opts.projectName ?? `Project ${seed}`,
    memberships: [],
    epics: [],
    stories: [],
    tasks: [],
    comments: [],
    activities: [],
    files: new Map(),
    clock: Date.parse(opts.start ?? '2023-03-06T09:00:00Z') + Math.floor(r() * 86_400) * 1000,
    version: 1,
  };
  const ids = { next: pid * 10 + 1 };
  const nextId = () => ids.next++;
  const peopleCount = opts.people ?? 4;
  for (let i = 0; i < peopleCount; i++) {
    const first = firstNames[(seed + i) % firstNames.length]!;
    const last = lastNames[(seed * 3 + i) % lastNames.length]!;
    const personId = 3_000_000 + seed * 100 + i;
    const created = iso(project.clock - (peopleCount - i) * 86_400_000);
    project.memberships.push({
      kind: 'project_membership',
      id: 9_000_000 + seed * 100 + i,
      person: { kind: 'person', id: personId, name: `${first} ${last}`, email: `${first.toLowerCase()}.${i}@example.com`, initials: `${first[0]}${last[0]}`, username: `${first.toLowerCase()}${i}` },
      project_id: pid,
      role: i === 0 ? 'owner' : i === peopleCount - 1 ? 'viewer' : 'member',
      project_color: pick(r, ['8100ea', 'f39300', '0093f3']),
      favorite: false,
      last_viewed_at: created,
      created_at: created,
      updated_at: created,
      wants_comment_notification_emails: true,
      will_receive_mention_notifications_or_emails: true,
    });
  }
  const labels = labelNames.map((name, i) => ({ kind: 'label', id: pid * 100 + i, project_id: pid, name, created_at: iso(project.clock), updated_at: iso(project.clock) }) satisfies JsonObject);
  const epicCount = opts.epics ?? 2;
  for (let i = 0; i < epicCount; i++) {
    const label = { kind: 'label', id: pid * 100 + 50 + i, project_id: pid, name: `epic-${i + 1}`, created_at: iso(project.clock), updated_at: iso(project.clock) };
    const epic: JsonObject = { kind: 'epic', id: 5_000_000 + seed * 100 + i, created_at: iso(project.clock), updated_at: iso(project.clock), project_id: pid, name: `Epic ${i + 1}: ${pick(r, ['Checkout', 'Onboarding', 'Reporting'])}`, url: '', label };
    epic.url = `https://www.pivotaltracker.com/epic/show/${epic.id as number}`;
    if (r() < 0.7) epic.description = `Everything about ${String(epic.name).toLowerCase()}.`;
    project.epics.push(epic);
    labels.push(label);
  }
  const members = project.memberships.map((m) => (m.person as JsonObject).id as number);
  const storyCount = opts.stories ?? 8;
  for (let s = 0; s < storyCount; s++) {
    const requester = pick(r, members);
    const name = opts.hostileNames && s < hostileTitles.length ? hostileTitles[s]! : `${pick(r, titles)} (${s + 1})`;
    const storyType = name.startsWith('Release') ? 'release' : pick(r, ['feature', 'feature', 'bug', 'chore']);
    const story = addStory(project, { name, storyType, requester, description: r() < 0.8 ? `As a user I want this.\n\n* point one\n* point ${s}\n\nSee \`code\` and [a link](https://example.com/${s}).` : undefined, labels: labels.filter(() => r() < 0.25) });
    const tasks = Math.floor(r() * ((opts.maxTasks ?? 3) + 1));
    for (let t = 0; t < tasks; t++) addTask(project, story.id as number, pick(r, members), `Step ${t + 1} of ${name.slice(0, 20)}`, r() < 0.5);
    const comments = Math.floor(r() * ((opts.maxComments ?? 3) + 1));
    for (let c = 0; c < comments; c++) {
      const attach: Array<{ filename: string; content: Buffer; contentType?: string }> = [];
      if (r() < 0.45) {
        const [ext, type] = pick(r, contentTypes);
        const filename = opts.hostileNames && r() < 0.6 ? pick(r, hostileFiles) : `file-${s}-${c}.${ext}`;
        const size = 20 + Math.floor(r() * 3000);
        attach.push({ filename, content: seededBytes(seed * 7919 + s * 31 + c, size), contentType: type });
      }
      addComment(project, story.id as number, pick(r, members), r() < 0.9 ? `Comment ${c + 1}: looks ${pick(r, ['good', 'wrong', 'odd'])} to me.` : undefined, attach);
    }
    // Owners start and finish some stories: the last change is by someone other than the requester.
    if (r() < 0.7) {
      const owner = pick(r, members);
      const state = storyType === 'release' ? 'accepted' : pick(r, ['started', 'finished', 'delivered', 'accepted', 'rejected']);
      updateStory(project, story.id as number, owner, { current_state: state, owner_ids: [owner], ...(storyType === 'feature' ? { estimate: pick(r, [1, 2, 3, 5]) } : {}) });
    }
  }
  if (opts.escapingAttachment !== undefined) {
    const story = project.stories[0]!;
    addComment(project, story.id as number, members[0]!, 'Attached the log.', [{ filename: opts.escapingAttachment, content: Buffer.from('escaped content\n') }]);
  }
  return project;
}

/** Deterministic bytes of a given size. */
export function seededBytes(seed: number, size: number): Buffer {
  const r = rng(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** A fresh id of one kind: unique within the project (project.version only grows) and, for distinct project ids, across projects. */
function idFor(p: PivotalProject, base: number): number {
  return base + (p.id % 10_000) * 10_000 + p.version + 1;
}

function tick(p: PivotalProject, minutes = 37): string {
  p.clock += minutes * 60_000;
  return iso(p.clock);
}

function personOf(p: PivotalProject, id: number): JsonObject {
  const m = p.memberships.find((x) => (x.person as JsonObject).id === id);
  const person = m?.person as JsonObject | undefined;
  return { kind: 'person', id, name: String(person?.name ?? `Former member ${id}`), initials: String(person?.initials ?? 'FM') };
}

function storyRef(story: JsonObject): JsonObject {
  return { kind: 'story', id: story.id!, name: story.name!, story_type: story.story_type!, url: story.url! };
}

/** Records one activity (newest first in the list, as the API serves it). */
function activity(p: PivotalProject, kind: string, by: number, at: string, story: JsonObject, highlight: string, changes: JsonObject[]): void {
  const version = ++p.version;
  const performer = personOf(p, by);
  p.activities.unshift({
    kind,
    guid: `${p.id}_${version}`,
    project_version: version,
    message: `${String(performer.name)} ${highlight} this ${String(story.story_type)}`,
    highlight,
    changes,
    primary_resources: [storyRef(story)],
    secondary_resources: [],
    project: { kind: 'project', id: p.id, name: p.name },
    performed_by: performer,
    occurred_at: at,
  });
}

function findStory(p: PivotalProject, storyId: number): JsonObject {
  const s = p.stories.find((x) => x.id === storyId);
  if (!s) throw new Error(`no story ${storyId} in project ${p.id}`);
  return s;
}

export function addStory(p: PivotalProject, o: { name: string; storyType?: string; requester: number; description?: string; labels?: JsonObject[] }): JsonObject {
  const at = tick(p, 90);
  const id = idFor(p, 180_000_000);
  const story: JsonObject = {
    kind: 'story',
    id,
    created_at: at,
    updated_at: at,
    story_type: o.storyType ?? 'feature',
    story_priority: 'p3',
    name: o.name,
    current_state: 'unstarted',
    requested_by_id: o.requester,
    url: `https://www.pivotaltracker.com/story/show/${id}`,
    project_id: p.id,
    owner_ids: [],
    labels: o.labels ?? [],
  };
  if (o.description !== undefined) story.description = o.description;
  if (story.story_type === 'release') story.deadline = iso(p.clock + 30 * 86_400_000);
  p.stories.push(story);
  activity(p, 'story_create_activity', o.requester, at, story, 'added', [{ kind: 'story', change_type: 'create', id, new_values: { ...story }, name: o.name, story_type: story.story_type! }]);
  return story;
}

/** Changes fields of a story as a person does in Tracker: updated_at moves, an activity records it. */
export function updateStory(p: PivotalProject, storyId: number, by: number, fields: JsonObject): void {
  const story = findStory(p, storyId);
  const at = tick(p);
  const original: JsonObject = {};
  for (const k of Object.keys(fields)) original[k] = story[k] ?? null;
  Object.assign(story, fields);
  story.updated_at = at;
  if (fields.current_state === 'accepted') story.accepted_at = at;
  activity(p, 'story_update_activity', by, at, story, fields.current_state ? String(fields.current_state) : 'edited', [{ kind: 'story', change_type: 'update', id: storyId, original_values: original, new_values: { ...fields, updated_at: at }, name: story.name!, story_type: story.story_type! }]);
}

export function addTask(p: PivotalProject, storyId: number, by: number, description: string, complete = false): JsonObject {
  const story = findStory(p, storyId);
  const at = tick(p, 11);
  const task: JsonObject = { kind: 'task', id: idFor(p, 70_000_000), story_id: storyId, description, complete, position: p.tasks.filter((t) => t.story_id === storyId).length + 1, created_at: at, updated_at: at };
  p.tasks.push(task);
  story.updated_at = at;
  activity(p, 'task_create_activity', by, at, story, 'added task:', [{ kind: 'task', change_type: 'create', id: task.id!, new_values: { ...task } }]);
  return task;
}

/** A comment, with file attachments uploaded by its author; returns the comment. */
export function addComment(p: PivotalProject, storyId: number, by: number, text: string | undefined, attachments: Array<{ filename: string; content: Buffer; contentType?: string }> = []): JsonObject {
  const story = findStory(p, storyId);
  const at = tick(p, 23);
  const comment: JsonObject = { kind: 'comment', id: idFor(p, 240_000_000), story_id: storyId, person_id: by, created_at: at, updated_at: at };
  if (text !== undefined) comment.text = text;
  const files: JsonObject[] = [];
  for (const a of attachments) {
    const id = idFor(p, 110_000_000) * 10 + files.length;
    p.files.set(id, a.content);
    files.push({
      kind: 'file_attachment',
      id,
      filename: a.filename,
      created_at: at,
      uploader_id: by,
      thumbnailable: a.contentType === 'image/png',
      size: a.content.length,
      download_url: `/file_attachments/${id}/download`,
      content_type: a.contentType ?? 'application/octet-stream',
      uploaded: true,
      big_url: `https://www.pivotaltracker.com/file_attachments/${id}/download?inline=true`,
      thumbnail_url: `https://www.pivotaltracker.com/file_attachments/${id}/download?inline=true&thumbnail=true`,
    });
  }
  comment.file_attachment_ids = files.map((f) => f.id!);
  comment.google_attachment_ids = [];
  comment.attachments = files;
  p.comments.push(comment);
  story.updated_at = at;
  activity(p, 'comment_create_activity', by, at, story, 'added comment:', [{ kind: 'comment', change_type: 'create', id: comment.id!, new_values: { id: comment.id!, story_id: storyId, text: text ?? null, person_id: by } }]);
  return comment;
}

/** Deletes a story with its tasks and comments (their attachment files stay in attachments/, as pt_backup.py never removes a file). */
export function deleteStory(p: PivotalProject, storyId: number, by: number): void {
  const story = findStory(p, storyId);
  const at = tick(p);
  p.stories = p.stories.filter((s) => s.id !== storyId);
  p.tasks = p.tasks.filter((t) => t.story_id !== storyId);
  p.comments = p.comments.filter((c) => c.story_id !== storyId);
  activity(p, 'story_delete_activity', by, at, story, 'deleted', [{ kind: 'story', change_type: 'delete', id: storyId }]);
}

/** A deep copy, so that a newer export can be made from an older one. */
export function cloneProject(p: PivotalProject): PivotalProject {
  return { ...structuredClone({ ...p, files: undefined }), files: new Map(p.files) } as PivotalProject;
}

/** Python's json.dumps(value, indent=4) with its defaults (ensure_ascii, separators ', ' / ': ' trimmed at line ends). */
export function pythonJson(value: Json, indent = 4, level = 0): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`json.dump would write ${value}`);
    return Number.isInteger(value) ? String(value) : pythonFloat(value);
  }
  if (typeof value === 'string') return pythonString(value);
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + pythonJson(v, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${pythonString(k)}: ${pythonJson(value[k]!, indent, level + 1)}`).join(',\n')}\n${end}}`;
}

function pythonFloat(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s.replace(/e([+-])(\d)$/, 'e$10$2') : `${s}.0`;
}

/** A string as json.dumps writes it with ensure_ascii=True: only printable ASCII literal, the rest as escapes. */
function pythonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

export interface WriteOptions {
  /** What happens to an empty collection: 'crash' as the published script (NameError, nothing after it is written), 'skip' the file and go on, or 'write' `[]`. */
  emptyCollections?: 'crash' | 'skip' | 'write';
  /** Where an escaping attachment name may land (pt_backup.py writes anywhere; a test must not): default the folder's parent. */
  sandbox?: string;
}

export interface WrittenExport {
  dir: string;
  /** Files written, relative to dir, in order. */
  files: string[];
  /** True when the script would have stopped with NameError before its end. */
  crashed: boolean;
}

/** Writes one project's folder as pt_backup.py does (see the top of this file). */
export async function writeExport(dir: string, p: PivotalProject, opts: WriteOptions = {}): Promise<WrittenExport> {
  const empty = opts.emptyCollections ?? 'crash';
  const sandbox = resolve(opts.sandbox ?? dirname(resolve(dir)));
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  /** save_data(): false when nothing was written; throws Crash as the NameError would. */
  const save = async (name: string, data: JsonObject[]): Promise<boolean> => {
    if (data.length === 0) {
      if (empty === 'crash') throw new Crash();
      if (empty === 'skip') return false;
    }
    await writeFile(join(dir, name), pythonJson(data));
    written.push(name);
    return true;
  };
  try {
    await save('memberships.json', p.memberships);
    await save('epics.json', p.epics);
    if (await save('stories.json', p.stories)) {
      await save('tasks.json', p.tasks);
      // Attachments are downloaded story by story while comments are fetched, before comments.json is saved.
      for (const c of p.comments) {
        for (const a of (c.attachments as JsonObject[] | undefined) ?? []) {
          if (a.kind !== 'file_attachment') continue;
          const content = p.files.get(a.id as number);
          if (!content) continue;
          const target = resolve(dir, 'attachments', String(a.id), String(a.filename));
          const rel = relative(sandbox, target);
          if (rel.startsWith('..' + sep) || rel === '..' || resolve(sandbox, rel) !== target) throw new Error(`the fixture would write ${target}, outside ${sandbox}`);
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
          written.push(relative(resolve(dir), target));
        }
      }
      await save('comments.json', p.comments);
    }
    await save('activities.json', p.activities);
  } catch (e) {
    if (e instanceof Crash) return { dir, files: written, crashed: true };
    throw e;
  }
  return { dir, files: written, crashed: false };
}

class Crash extends Error {}

/**
 * A story that moved while stories were paged (`limit=100&offset=N`, research §1.2): stories.json holds it twice, and
 * since tasks and comments are fetched per listed story, its tasks, comments and attachments appear twice too.
 */
export function overlapPaging(p: PivotalProject, storyIndex = 0): number {
  const story = p.stories[storyIndex]!;
  const id = story.id as number;
  p.stories.splice(Math.min(p.stories.length, storyIndex + 3), 0, structuredClone(story));
  p.tasks.push(...structuredClone(p.tasks.filter((t) => t.story_id === id)));
  p.comments.push(...structuredClone(p.comments.filter((c) => c.story_id === id)));
  return id;
}

/** Gives a second attachment the id of the first one, with another name ('conflicting') or as an exact copy in another comment ('identical'). */
export function duplicateAttachmentId(p: PivotalProject, how: 'identical' | 'conflicting'): { id: number; comments: number[] } {
  const withFiles = p.comments.filter((c) => ((c.attachments as JsonObject[] | undefined) ?? []).length > 0);
  const first = withFiles[0];
  if (!first) throw new Error('no comment with an attachment to duplicate');
  const original = (first.attachments as JsonObject[])[0]!;
  const other = p.comments.find((c) => c !== first && c.story_id !== first.story_id) ?? p.comments.find((c) => c !== first)!;
  const copy = structuredClone(original);
  if (how === 'conflicting') copy.filename = `other-${String(original.filename)}`;
  (other.attachments as JsonObject[]).push(copy);
  (other.file_attachment_ids as Json[]).push(copy.id!);
  return { id: original.id as number, comments: [first.id as number, other.id as number] };
}
