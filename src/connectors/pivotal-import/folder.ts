// Finds the project folders of a pt_backup.py export and loads each one whole: its six JSON files parsed and checked
// (shape.ts), cross-references checked, and every attachment file found, inside its folder, at its announced size.
//
// Which folder is what, decided by content alone:
// - the folder holds any of the six files itself → it is one project;
// - otherwise each direct subfolder holding any of them is a project; other subfolders are reported as skipped;
// - both at once, or neither, is refused (ConfigError): the user named the wrong folder, nothing is guessed.
//
// Missing files. pt_backup.py writes memberships, epics, stories, tasks, comments, activities in that order, and its
// save_data() raises NameError on the first empty collection, so everything after it is never written (a fixed copy of
// the script skips the empty file and goes on). So a missing file whose successor exists was empty and reads as [];
// a missing file with no successor may hold data the script never fetched, and is refused. memberships.json and
// stories.json are always required: a project always has members, and reading a lost stories.json as "no stories"
// would mark every story deleted on a re-import. The message says how to import anyway: create the file with [].

import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, ServiceError } from '../../lib/errors.ts';
import {
  readActivities,
  readComments,
  readEpics,
  readMemberships,
  readStories,
  readTasks,
  ShapeReader,
  type Activity,
  type Comment,
  type Epic,
  type FileAttachment,
  type Membership,
  type Story,
  type Task,
} from './shape.ts';

/** The files pt_backup.py writes, in the order it writes them. */
export const exportFiles = ['memberships.json', 'epics.json', 'stories.json', 'tasks.json', 'comments.json', 'activities.json'] as const;
type ExportFile = (typeof exportFiles)[number];
const alwaysRequired = new Set<ExportFile>(['memberships.json', 'stories.json']);

/** An attachment file of the export, and where it is described. */
export interface AttachmentFile {
  attachment: FileAttachment;
  /** The story it is stored beside (the first one, by id, whose comments carry it). */
  storyId: number;
  /** Absolute path of the file in the export; undefined when it is missing and missing files are allowed. */
  path?: string;
}

export interface LoadedProject {
  /** The project folder as given (for messages). */
  dir: string;
  projectId: number;
  /** The project's name from its activity, when the export tells it. */
  projectName?: string;
  memberships: Membership[];
  epics: Epic[];
  stories: Story[];
  tasks: Task[];
  comments: Comment[];
  activities: Activity[];
  /** Attachment id → its file. */
  attachments: Map<number, AttachmentFile>;
}

export interface LoadOptions {
  /** Import stories whose attachment files are missing from the export, noting them in the story; default false (refused). */
  allowMissingAttachments?: boolean;
}

/** The project folders below `root` (see the top of this file), and subfolders skipped as not being exports. */
export async function findProjectFolders(root: string): Promise<{ folders: string[]; skipped: string[] }> {
  const st = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new ConfigError(`Pivotal export folder ${root} does not exist: give the folder pt_backup.py wrote (or a folder of such folders)`);
    throw e;
  });
  if (!st.isDirectory()) throw new ConfigError(`Pivotal export ${root} is not a folder: give the folder pt_backup.py wrote (it holds stories.json, memberships.json, …), or a folder of such folders`);
  const own = await exportFilesIn(root);
  const projects: string[] = [];
  const skipped: string[] = [];
  for (const e of (await readdir(root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const p = join(root, e.name);
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p).then((s) => s.isDirectory(), () => false)));
    if (!isDir) continue;
    if ((await exportFilesIn(p)).length > 0) projects.push(p);
    else if (!(own.length > 0 && e.name === 'attachments')) skipped.push(p);
  }
  if (own.length > 0 && projects.length > 0) {
    throw new ConfigError(
      `Pivotal export folder ${root} is ambiguous: it holds ${own.join(', ')} itself and also project folders (${projects.map((p) => basename(p)).join(', ')}). ` +
        'Give either one project\'s folder or a folder of project folders',
    );
  }
  if (own.length > 0) return { folders: [root], skipped };
  if (projects.length > 0) return { folders: projects, skipped };
  throw new ConfigError(`${root} is not a pt_backup.py export: it holds none of ${exportFiles.join(', ')}, and no folder in it does. Give the folder pt_backup.py wrote, or a folder of such folders`);
}

async function exportFilesIn(dir: string): Promise<ExportFile[]> {
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  return exportFiles.filter((f) => names.has(f));
}

/** Reads and checks one project folder whole; throws ServiceError naming the file and JSON path of the first problem. */
export async function loadProject(dir: string, opts: LoadOptions = {}): Promise<LoadedProject> {
  const present = await Promise.all(exportFiles.map((f) => isFile(join(dir, f))));
  const data = new Map<ExportFile, unknown>();
  for (const [i, f] of exportFiles.entries()) {
    if (present[i]) {
      data.set(f, await parseFile(join(dir, f)));
      continue;
    }
    const later = exportFiles.slice(i + 1).filter((_, j) => present[i + 1 + j]);
    if (!alwaysRequired.has(f) && later.length > 0) {
      data.set(f, []); // the script went past it, so it was empty (see the top of this file)
      continue;
    }
    throw new ServiceError(`Pivotal export ${join(dir, f)} is missing${missingAdvice(f, exportFiles.slice(i + 1))}`);
  }
  const reader = (f: ExportFile) => new ShapeReader(join(dir, f));
  const memberships = readMemberships(reader('memberships.json'), data.get('memberships.json'));
  const epics = readEpics(reader('epics.json'), data.get('epics.json'));
  const stories = readStories(reader('stories.json'), data.get('stories.json'));
  const tasks = readTasks(reader('tasks.json'), data.get('tasks.json'));
  const comments = readComments(reader('comments.json'), data.get('comments.json'));
  const activities = readActivities(reader('activities.json'), data.get('activities.json'));

  const projectId = projectIdOf(dir, memberships, epics, stories, activities);
  const storyIds = new Set(stories.map((s) => s.id));
  tasks.forEach((t) => {
    if (!storyIds.has(t.storyId)) reader('tasks.json').fail(`$[${t.index}].story_id`, `story ${t.storyId} is not in stories.json`, 'tasks.json and stories.json come from different exports; copy the matching pair into the folder');
  });
  for (const c of comments) {
    if (!storyIds.has(c.storyId)) reader('comments.json').fail(`$[${c.index}].story_id`, `story ${c.storyId} is not in stories.json`, 'comments.json and stories.json come from different exports; copy the matching pair into the folder');
  }
  const attachments = await findAttachments(dir, comments, opts);
  const named = [...activities].filter((a) => a.project?.id === projectId).sort(byOccurrence).at(-1);
  const project: LoadedProject = { dir, projectId, memberships, epics, stories, tasks, comments, activities, attachments };
  if (named?.project) project.projectName = named.project.name;
  return project;
}

/** Why a file missing from an export is a problem, and what the user can do (see the top of this file). */
function missingAdvice(f: ExportFile, after: readonly ExportFile[]): string {
  if (f === 'stories.json') {
    return (
      ': pt_backup.py writes it whenever the project has stories, so the export stopped early or the file was lost. Put it back from another copy of the export; ' +
      'only if the project really had no stories, create stories.json holding [] (which marks every story of this project already in the backup as deleted), then import again'
    );
  }
  if (f === 'memberships.json') {
    return ': pt_backup.py writes it first, for every project (a project always has members), so the file was lost. Put it back from another copy of the export, or create memberships.json holding [] to import without the members\' names and emails, then import again';
  }
  const later = after.length > 0 ? `, and so is every file pt_backup.py writes after it (${after.join(', ')})` : ' (pt_backup.py writes it last)';
  return (
    `${later}: the script stops at the first empty collection (its save_data raises NameError), so whatever came after was never exported, or the run was cut short. ` +
    `To import without it, create ${after.length > 0 ? `${f} and each missing file after it` : f} holding [] (your decision: what they would hold is not in this export), then import again`
  );
}

/** Oldest first: by time, then project version, then guid. */
export function byOccurrence(a: Activity, b: Activity): number {
  return a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.projectVersion - b.projectVersion || (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0);
}

async function isFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new ServiceError(`Pivotal export ${path} is not a file: move it aside and import again`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** One whole JSON file (the export's JSON is metadata, small beside its attachments, which are never read whole). */
async function parseFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const said = (e as Error).message;
    const at = Number(/position (\d+)/.exec(said)?.[1] ?? text.length);
    const where = text.trim() === '' ? 'it is empty' : `${said}; at ${pathAt(text, at)}, character ${at} of ${text.length}`;
    throw new ServiceError(
      `Pivotal export ${path} is not valid JSON (${where}): the file is cut short or damaged. Nothing was imported; put a whole copy of the file in its place (another copy of the export, a backup), then import again`,
    );
  }
}

/** The JSON path of the value being read at character `pos` of (possibly broken) JSON text: "$[41].labels[0]". */
export function pathAt(text: string, pos: number): string {
  const stack: Array<{ array: boolean; index: number; key?: string }> = [];
  let lastString: string | undefined;
  for (let i = 0; i < Math.min(pos, text.length); i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      try {
        lastString = JSON.parse(text.slice(i, j + 1)) as string;
      } catch {
        lastString = undefined;
      }
      i = j;
    } else if (ch === '[' || ch === '{') {
      stack.push({ array: ch === '[', index: 0 });
    } else if (ch === ']' || ch === '}') {
      stack.pop();
    } else if (ch === ',') {
      const top = stack.at(-1);
      if (top?.array) top.index++;
      else if (top) delete top.key;
    } else if (ch === ':') {
      const top = stack.at(-1);
      if (top && !top.array && lastString !== undefined) top.key = lastString;
    }
  }
  return '$' + stack.map((f) => (f.array ? `[${f.index}]` : f.key !== undefined ? (/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.key) ? `.${f.key}` : `[${JSON.stringify(f.key)}]`) : '')).join('');
}

/**
 * The project's id: every project_id in memberships, epics and stories must agree; the activity's project, then the
 * folder's name when it is a number, are used only when none of them has one.
 */
function projectIdOf(dir: string, memberships: Membership[], epics: Epic[], stories: Story[], activities: Activity[]): number {
  const seen = new Map<number, string>();
  const note = (id: number | undefined, where: string) => {
    if (id !== undefined && !seen.has(id)) seen.set(id, where);
  };
  memberships.forEach((m, i) => note(m.projectId, `memberships.json $[${i}].project_id`));
  epics.forEach((e, i) => note(e.projectId, `epics.json $[${i}].project_id`));
  stories.forEach((s, i) => note(s.projectId, `stories.json $[${i}].project_id`));
  if (seen.size > 1) {
    const [[a, wa], [b, wb]] = [...seen] as [[number, string], [number, string]];
    throw new ServiceError(`Pivotal export ${dir} mixes projects: ${wa} is ${a} but ${wb} is ${b}. pt_backup.py writes one project per folder; put each project's files in a folder of its own, then import again`);
  }
  if (seen.size === 1) return [...seen.keys()][0]!;
  const fromActivity = new Set(activities.map((a) => a.project?.id).filter((id): id is number => id !== undefined));
  if (fromActivity.size === 1) return [...fromActivity][0]!;
  if (/^\d+$/.test(basename(dir))) return Number(basename(dir));
  throw new ServiceError(`Pivotal export ${dir}: cannot tell which project it holds (no project_id in memberships.json, epics.json or stories.json). Rename the folder to the project's id, then import again`);
}

/** Every file attachment of the comments, checked on disk (never opened here); see LoadOptions for missing files. */
async function findAttachments(dir: string, comments: Comment[], opts: LoadOptions): Promise<Map<number, AttachmentFile>> {
  const out = new Map<number, AttachmentFile>();
  // Stored beside the first story (by id) that carries an attachment; comments in id order within it.
  const ordered = [...comments].sort((a, b) => a.storyId - b.storyId || a.id - b.id);
  for (const c of ordered) {
    for (const f of c.files) {
      const known = out.get(f.id);
      if (known) {
        if (!isDeepStrictEqual(known.attachment.raw, f.raw)) {
          const differs = Object.keys({ ...known.attachment.raw, ...f.raw }).filter((k) => !isDeepStrictEqual(known.attachment.raw[k], f.raw[k]));
          throw new ServiceError(
            `Pivotal export ${f.where}: file attachment ${f.id} is also described in ${known.attachment.where}, with different ${differs.join(', ')}. ` +
              'One attachment id is one file; remove the wrong entry (and its file under attachments/), then import again',
          );
        }
        continue;
      }
      const folder = join(dir, 'attachments', String(f.id));
      const problem = unsafeFileName(f.filename);
      if (problem) {
        throw new ServiceError(
          `Pivotal export ${f.where}.filename: the file name ${JSON.stringify(f.filename)} ${problem}, so pt_backup.py, which joins it to attachments/${f.id}/ unsanitised, wrote it outside that folder (or failed). ` +
            `Nothing outside the export is read: move the file into ${folder} under a plain name and put that name in filename (or remove the attachment entry), then import again`,
        );
      }
      const path = join(folder, f.filename);
      if (!resolve(path).startsWith(resolve(folder) + sep)) throw new ServiceError(`Pivotal export ${f.where}.filename: ${JSON.stringify(f.filename)} resolves outside ${folder}; refusing to read it`);
      const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (!st) {
        if (opts.allowMissingAttachments) {
          out.set(f.id, { attachment: f, storyId: c.storyId });
          continue;
        }
        throw new ServiceError(
          `Pivotal export ${path} is missing (described in ${f.where}): pt_backup.py prints "Failed to download attachment" and goes on when a download fails. ` +
            'Put the file there if you have it; or import with missing attachments allowed, which notes them in their stories',
        );
      }
      if (st.isSymbolicLink()) throw new ServiceError(`Pivotal export ${path} is a symbolic link (described in ${f.where}): pt_backup.py never makes one and links are not followed out of the export; put the file itself there, then import again`);
      if (!st.isFile()) throw new ServiceError(`Pivotal export ${path} is not a file (described in ${f.where}); put the attachment's file there, then import again`);
      if (st.size !== f.size) {
        throw new ServiceError(
          `Pivotal export ${path} has ${st.size} bytes but ${f.where}.size says ${f.size}: the download was cut short or replaced. Put the whole file there (or remove the attachment entry), then import again`,
        );
      }
      out.set(f.id, { attachment: f, storyId: c.storyId, path: resolve(path) });
    }
  }
  return out;
}

/** Why a file name cannot be a plain name inside its attachment folder, or undefined when it can. */
function unsafeFileName(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return 'is a relative folder name';
  if (name.includes('/')) return 'holds a path separator "/"';
  if (name.includes('\0')) return 'holds a NUL character';
  return undefined;
}
