// Strict reading of pt_backup.py exports: every broken or unknown input is refused with a ServiceError naming the file
// and the JSON path (or the byte position, for JSON that does not parse), before anything is listed; the quirks of
// the real script (files missing after an empty collection, stories listed twice by offset paging) are read right;
// hostile attachment names never lead outside the export.

import assert from 'node:assert/strict';
import { readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathAt } from '../../src/connectors/pivotal-import/folder.ts';
import { PivotalImportConnector } from '../../src/connectors/pivotal-import/index.ts';
import type { Item } from '../../src/engine/model.ts';
import { ServiceError } from '../../src/lib/errors.ts';
import { addComment, duplicateAttachmentId, generateProject, overlapPaging, pythonJson, writeExport, type GenerateOptions, type JsonObject, type PivotalProject, type WriteOptions } from '../helpers/pivotal-export.ts';
import { tempDir } from '../helpers/env.ts';

async function exportOf(opts: GenerateOptions = {}, write: WriteOptions = {}, change?: (p: PivotalProject) => void): Promise<{ dir: string; project: PivotalProject }> {
  const root = await tempDir('wb-pvt-val-');
  const project = generateProject({ seed: 31, stories: 8, maxComments: 4, ...opts });
  change?.(project);
  const dir = join(root, 'export');
  await writeExport(dir, project, write);
  return { dir, project };
}

async function items(dir: string, opts: { allowMissingAttachments?: boolean } = {}): Promise<Item[]> {
  const c = new PivotalImportConnector(dir, opts);
  const out: Item[] = [];
  for (const ct of await c.listContainers()) for await (const i of c.listItems(ct)) out.push(i);
  return out;
}

/** Rejects with a ServiceError whose message names `file` (a path) and contains every `parts` string. */
async function refused(dir: string, file: string, ...parts: string[]): Promise<string> {
  let message = '';
  await assert.rejects(items(dir), (e: unknown) => {
    assert.ok(e instanceof ServiceError, `a ServiceError, got ${String(e)}`);
    message = e.message;
    assert.ok(message.includes(file), `names ${file}: ${message}`);
    for (const p of parts) assert.ok(message.includes(p), `says ${JSON.stringify(p)}: ${message}`);
    assert.equal(e.retryable, false);
    return true;
  });
  return message;
}

async function rewrite(dir: string, file: string, change: (data: JsonObject[]) => unknown): Promise<void> {
  const data = JSON.parse(await readFile(join(dir, file), 'utf8')) as JsonObject[];
  const out = change(data);
  await writeFile(join(dir, file), pythonJson((out ?? data) as JsonObject[]));
}

describe('broken JSON and unknown shapes', () => {
  test('a truncated file: the file and where the JSON stops', async () => {
    const { dir } = await exportOf();
    const file = join(dir, 'stories.json');
    const size = (await readFile(file)).length;
    await truncate(file, Math.floor(size / 2));
    const m = await refused(dir, file, 'not valid JSON', 'cut short');
    assert.match(m, /at \$\[\d+\](\.\w+)*, character \d+ of \d+/);
    await truncate(file, 0);
    await refused(dir, file, 'it is empty');
  });

  test('the path of a broken spot, read from text that does not parse', () => {
    const text = '[{"id": 1, "labels": [{"name": "a,b"}]}, {"id": 2, "name": "x\\"y", "labels": [{"na';
    assert.equal(pathAt(text, text.length), '$[1].labels[0]');
    assert.equal(pathAt(text, text.indexOf('"x')), '$[1].name');
    assert.equal(pathAt('{"odd key": [1, 2', 17), '$["odd key"][1]');
  });

  test('a field of the wrong type: file and JSON path', async () => {
    const { dir, project } = await exportOf();
    const i = project.stories.findIndex((s) => (s.owner_ids as number[]).length > 0);
    await rewrite(dir, 'stories.json', (d) => void ((d[i]!.owner_ids as unknown[])[0] = 'Alice'));
    await refused(dir, join(dir, 'stories.json'), `$[${i}].owner_ids[0]`, 'expected a whole number', '"Alice"');
  });

  test('a missing field, an unknown kind, an unknown state, an unknown attachment kind: each with its path', async () => {
    const cases: Array<[string, (d: JsonObject[]) => unknown, string, string]> = [
      ['stories.json', (d) => void delete d[2]!.updated_at, '$[2].updated_at', 'the field is missing'],
      ['stories.json', (d) => void (d[1]!.kind = 'epic'), '$[1].kind', '"epic"'],
      ['stories.json', (d) => void (d[0]!.current_state = 'archived'), '$[0].current_state', '"archived"'],
      ['tasks.json', (d) => void (d[0]!.complete = 'yes'), '$[0].complete', 'true or false'],
      ['memberships.json', (d) => void delete (d[1]!.person as JsonObject).name, '$[1].person.name', 'missing'],
      ['activities.json', (d) => void (d[3]!.kind = 'story_update'), '$[3].kind', 'activity kind'],
      ['activities.json', (d) => void (d[0]!.occurred_at = 'yesterday'), '$[0].occurred_at', 'ISO 8601'],
      ['epics.json', () => ({ data: [], pagination: { total: 0 } }), '$', 'envelope'],
      ['comments.json', (d) => void ((d.find((c) => (c.attachments as unknown[]).length > 0)!.attachments as JsonObject[])[0]!.kind = 'dropbox_attachment'), '.attachments[0].kind', '"dropbox_attachment"'],
    ];
    for (const [file, change, path, says] of cases) {
      const { dir } = await exportOf();
      await rewrite(dir, file, change);
      await refused(dir, join(dir, file), path.startsWith('$') ? `at ${path}:` : path, says);
    }
  });

  test('a task or comment of a story that is not in stories.json', async () => {
    const { dir, project } = await exportOf();
    await rewrite(dir, 'tasks.json', (d) => void (d[0]!.story_id = 999));
    await refused(dir, join(dir, 'tasks.json'), '$[0].story_id', 'story 999 is not in stories.json');
    void project;
  });

  test('stories of two projects in one folder', async () => {
    const { dir } = await exportOf();
    await rewrite(dir, 'stories.json', (d) => void (d[3]!.project_id = 42));
    await refused(dir, dir, 'mixes projects', 'stories.json $[3].project_id is 42');
  });
});

describe('files the script did not write', () => {
  test('the published script stops at empty epics: stories were never fetched, so the import is refused', async () => {
    const { dir } = await exportOf({ epics: 0 });
    const m = await refused(dir, join(dir, 'epics.json'), 'is missing', 'NameError', 'holding []');
    assert.match(m, /stories\.json/);
  });

  test('a fixed script skips an empty file and goes on: a missing epics.json or tasks.json then reads as empty', async () => {
    const { dir, project } = await exportOf({ epics: 0, maxTasks: 0 }, { emptyCollections: 'skip' });
    const list = await items(dir);
    assert.ok(!list.some((i) => i.id.startsWith('epic')), 'no epics');
    assert.equal(list.filter((i) => i.id.startsWith('story-') && i.kind === 'document').length, project.stories.length);
  });

  test('activities.json missing at the end, memberships.json or stories.json missing anywhere: refused, with the way out', async () => {
    const { dir } = await exportOf();
    await rm(join(dir, 'activities.json'));
    await refused(dir, join(dir, 'activities.json'), 'is missing', 'create activities.json holding []');
    await writeFile(join(dir, 'activities.json'), '[]');
    assert.ok((await items(dir)).length > 0, 'imports once the user has said there is no activity');
    await rm(join(dir, 'stories.json'));
    await refused(dir, join(dir, 'stories.json'), 'is missing', 'lost');
  });
});

describe('duplicates', () => {
  test('a story listed twice by offset paging (with its tasks, comments and attachments): read once', async () => {
    let twice = 0;
    const { dir, project } = await exportOf({}, {}, (p) => void (twice = overlapPaging(p, 1)));
    const raw = JSON.parse(await readFile(join(dir, 'stories.json'), 'utf8')) as JsonObject[];
    assert.equal(raw.filter((s) => s.id === twice).length, 2, 'the fixture holds it twice');
    const list = await items(dir);
    assert.equal(list.filter((i) => i.id === `story-${twice}`).length, 1);
    assert.equal(new Set(list.map((i) => i.id)).size, list.length);
    void project;
  });

  test('one attachment id in two comments: the same attachment is stored once; different ones are refused', async () => {
    const same = await exportOf({}, {}, (p) => void duplicateAttachmentId(p, 'identical'));
    const list = await items(same.dir);
    assert.equal(new Set(list.map((i) => i.id)).size, list.length);
    let dup = { id: 0, comments: [] as number[] };
    const other = await exportOf({}, {}, (p) => void (dup = duplicateAttachmentId(p, 'conflicting')));
    await refused(other.dir, join(other.dir, 'comments.json'), `file attachment ${dup.id}`, 'different filename', '.attachments[');
  });

  test('one story id twice with different content is refused with both places', async () => {
    const { dir } = await exportOf();
    await rewrite(dir, 'stories.json', (d) => void d.push({ ...d[0]!, name: 'Changed meanwhile' }));
    await refused(dir, join(dir, 'stories.json'), 'is also at $[0]', 'different name');
  });
});

describe('attachments', () => {
  test('a name with ../ : refused with its JSON path, and the file it escaped to is never read', async () => {
    const { dir, project } = await exportOf({ escapingAttachment: '../../escaped.txt' });
    // pt_backup.py's os.path.join put it at the export's top, outside attachments/<id>/.
    assert.equal(await readFile(join(dir, 'escaped.txt'), 'utf8'), 'escaped content\n');
    const ci = project.comments.findIndex((c) => (c.attachments as JsonObject[]).some((a) => a.filename === '../../escaped.txt'));
    await refused(dir, join(dir, 'comments.json'), `$[${ci}].attachments[0].filename`, '"../../escaped.txt"', 'outside');
  });

  test('an absolute name, an empty name, "..": refused', async () => {
    for (const name of ['/etc/passwd', '', '..']) {
      const { dir } = await exportOf();
      await rewrite(dir, 'comments.json', (d) => void ((d.find((c) => (c.attachments as unknown[]).length > 0)!.attachments as JsonObject[])[0]!.filename = name));
      await refused(dir, join(dir, 'comments.json'), '.attachments[0].filename');
    }
  });

  test('control characters and backslashes are ordinary file names on disk: imported, under the name they have', async () => {
    const { dir, project } = await exportOf({ hostileNames: true }, {}, (p) => {
      const by = (p.memberships[0]!.person as JsonObject).id as number;
      addComment(p, p.stories[2]!.id as number, by, 'two odd names', [{ filename: 'a\u0001b.txt', content: Buffer.from('one') }, { filename: 'back\\slash.png', content: Buffer.from('two') }]);
    });
    const list = await items(dir);
    const names = list.filter((i) => i.id.startsWith('attachment-')).map((i) => i.name);
    const hostile = project.comments.flatMap((c) => (c.attachments as JsonObject[]).map((a) => String(a.filename))).filter((n) => /[\u0000-\u001f\\]/.test(n));
    assert.ok(hostile.length > 0, 'the fixture has some');
    for (const h of hostile) assert.ok(names.some((n) => n.endsWith(` ${h}`)), h);
  });

  test('a missing or short attachment file is refused; missing ones can be allowed and are then noted in the story', async () => {
    const { dir, project } = await exportOf();
    const c = project.comments.find((x) => (x.attachments as unknown[]).length > 0)!;
    const a = (c.attachments as JsonObject[])[0]!;
    const file = join(dir, 'attachments', String(a.id), String(a.filename));
    await truncate(file, (a.size as number) - 1);
    await refused(dir, file, `${(a.size as number) - 1} bytes`, `.size says ${a.size as number}`);
    await rm(file);
    await refused(dir, file, 'is missing', 'Failed to download attachment');
    const list = await items(dir, { allowMissingAttachments: true });
    assert.ok(!list.some((i) => i.id === `attachment-${a.id as number}`));
    const story = list.find((i) => i.id === `story-${c.story_id as number}`)!;
    const conn = new PivotalImportConnector(dir, { allowMissingAttachments: true });
    await conn.listContainers();
    let text = '';
    for await (const ch of (await conn.open(story)).body) text += Buffer.from(ch).toString();
    assert.ok(text.includes(`${String(a.filename)} (`) && text.includes('not in the export'), text);
  });

  test('an attachment that is a symbolic link is refused (it could point anywhere)', async () => {
    const { dir, project } = await exportOf();
    const a = (project.comments.find((x) => (x.attachments as unknown[]).length > 0)!.attachments as JsonObject[])[0]!;
    const file = join(dir, 'attachments', String(a.id), String(a.filename));
    const outside = join(dir, '..', 'secret');
    await writeFile(outside, Buffer.alloc(a.size as number, 1));
    await rm(file);
    await symlink(outside, file);
    await refused(dir, file, 'symbolic link');
  });
});
