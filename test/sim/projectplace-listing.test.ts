// Projectplace simulator: workspaces (v1 and paged v2), members, the v1 recursive tree with each switch, v2 documents.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setSwitches, startProjectplaceSim, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { flattenTree, getBearerToken, signedFetch, signedJson, type TreeNode } from './pp-helpers.ts';

let sim: RunningSim;
let token: string;
before(async () => {
  sim = await startProjectplaceSim({ documents: 60, workspaces: 5 });
  token = await getBearerToken(sim);
});
after(async () => {
  await sim.close();
});

const bearer = async (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(sim.url + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

interface V2Project {
  id: number;
  name: string;
  space_used: number;
  archive_status: number;
  creation_date: string;
}

const firstWs = (): number => [...sim.state.workspaces.keys()][0] as number;

describe('workspaces', () => {
  it('GET /1/account/projects lists active workspaces; include_archived=1 adds the archived one', async () => {
    const active = await signedJson<{ projects: { id: number; name: string; archived: boolean }[] }>(sim, '/1/account/projects');
    assert.equal(active.projects.length, 4);
    assert.ok(active.projects.every((p) => p.archived === false && typeof p.id === 'number' && typeof p.name === 'string'));
    const all = await signedJson<{ projects: { archived: boolean }[] }>(sim, '/1/account/projects?include_archived=1');
    assert.equal(all.projects.length, 5);
    assert.equal(all.projects.filter((p) => p.archived).length, 1);
  });

  it('POST /2/account/projects pages by offset; an exact multiple of limit yields a final empty page', async () => {
    const pages: V2Project[][] = [];
    let row = 0;
    for (;;) {
      const body: Record<string, unknown> = { sort_by: '+creation_date', filter: { archive_status: [0, 1] }, limit: 5 };
      if (row > 0) body.row_number = row;
      const res = await bearer('/2/account/projects', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 200);
      const page = (await res.json()) as V2Project[];
      pages.push(page);
      if (page.length < 5) break;
      row += 5;
    }
    assert.deepEqual(pages.map((p) => p.length), [5, 0]);
    const first = pages[0] as V2Project[];
    assert.deepEqual(Object.keys(first[0] as V2Project).sort(), ['archive_status', 'creation_date', 'id', 'name', 'space_used']);
    assert.ok(first.every((p, i) => i === 0 || (first[i - 1] as V2Project).creation_date <= p.creation_date));
    assert.ok(first.some((p) => p.space_used > 0));
    assert.match((first[0] as V2Project).creation_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('POST /2/account/projects filters by archive status, uses the default limit switch, rejects bad JSON', async () => {
    const archived = await bearer('/2/account/projects', { method: 'POST', body: JSON.stringify({ filter: { archive_status: [1] } }) });
    assert.deepEqual(((await archived.json()) as V2Project[]).map((p) => p.archive_status), [1]);
    setSwitches(sim.state, { pageLimitDefault: 2 });
    try {
      const page = await bearer('/2/account/projects', { method: 'POST', body: '{}' });
      assert.equal(((await page.json()) as V2Project[]).length, 2);
    } finally {
      setSwitches(sim.state, { pageLimitDefault: 100 });
    }
    const bad = await bearer('/2/account/projects', { method: 'POST', body: '{"limit": 5', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /^Bad Request: /);
  });

  it('GET /1/user/me/projects with tools gives the documents container id (= workspace id)', async () => {
    const list = await signedJson<{ id: number; tools?: { documents: { container_id: number } } }[]>(sim, '/1/user/me/projects?include_tools=true');
    assert.equal(list.length, 4);
    for (const ws of list) assert.equal(ws.tools?.documents.container_id, ws.id);
    const plain = await signedJson<Record<string, unknown>[]>(sim, '/1/user/me/projects');
    assert.equal('tools' in (plain[0] as Record<string, unknown>), false);
  });

  it('GET /1/account and /1/user/me/profile', async () => {
    const account = await signedJson<{ id: number; name: string; managers: { id: number; name: string }[] }>(sim, '/1/account');
    assert.equal(account.id, sim.state.account.id);
    assert.ok(account.managers.length >= 1);
    const me = await signedJson<Record<string, unknown>>(sim, '/1/user/me/profile');
    assert.deepEqual(Object.keys(me).sort(), ['email', 'first_name', 'id', 'last_name', 'name', 'sort_name']);
  });

  it('GET /1/account/members: 8 members; 2 external only with include_external_users=1', async () => {
    const without = await signedJson<{ members: unknown[]; external: unknown[] }>(sim, '/1/account/members');
    assert.equal(without.members.length, 8);
    assert.deepEqual(without.external, []);
    const withExt = await signedJson<{ members: Record<string, unknown>[]; external: Record<string, unknown>[] }>(sim, '/1/account/members?include_external_users=1');
    assert.equal(withExt.external.length, 2);
    assert.deepEqual(Object.keys(withExt.members[0] as Record<string, unknown>).sort(), ['account_admin', 'account_owner', 'avatar', 'email', 'id', 'name']);
    assert.ok(withExt.members.some((m) => m.account_owner === true));
  });
});

describe('v1 document tree', () => {
  const treePath = (): string => `/1/projects/${firstWs()}/documents?recursive=true&include_urls=true`;

  it('has containers/documents/urls/contents with the documented fields, depth up to 4', async () => {
    const tree = await signedJson<TreeNode>(sim, treePath());
    const flat = flattenTree(tree);
    const docs = flat.filter((e) => e.kind === 'document');
    assert.ok(docs.length > 10);
    for (const d of docs) {
      assert.deepEqual(Object.keys(d.node as object).sort(), ['id', 'last_modifier', 'modified_time', 'name', 'size', 'ver_nr']);
    }
    const link = flat.find((e) => e.kind === 'link');
    assert.ok(link, 'the first workspace has a link');
    assert.deepEqual(Object.keys(link.node as object).sort(), ['id', 'modified_time', 'name', 'url']);
    assert.ok(flat.every((e) => e.path.length <= 4));
    assert.equal(tree.size, (tree.containers?.length ?? 0) + (tree.documents?.length ?? 0) + (tree.urls?.length ?? 0));
    // Hostile names arrive verbatim.
    const names = new Set(docs.map((d) => d.name));
    for (const n of ['../x', 'a/b', 'CON', 'Report.docx', 'report.docx', 'caf\u00e9.txt', 'cafe\u0301.txt', '.gitattributes']) assert.ok(names.has(n), n);
    assert.ok(flat.some((e) => e.kind === 'folder' && e.name === '.git'));
    // Every document in the model of that workspace appears exactly once.
    const expected = [...sim.state.items.values()].filter((i) => i.workspaceId === firstWs() && i.kind === 'document').map((i) => i.id).sort();
    assert.deepEqual(docs.map((d) => d.id).sort(), expected);
  });

  it('keeps empty lists by default and omits them with omitEmptyLists', async () => {
    const tree = await signedJson<TreeNode>(sim, treePath());
    const leafFolder = flattenTree(tree).find((e) => e.kind === 'folder' && ((e.node as { contents: TreeNode }).contents.containers ?? []).length === 0);
    assert.ok(leafFolder);
    assert.deepEqual((leafFolder.node as { contents: TreeNode }).contents.containers, []);
    setSwitches(sim.state, { omitEmptyLists: true });
    try {
      const omitted = await signedJson<TreeNode>(sim, treePath());
      const again = flattenTree(omitted).find((e) => e.id === leafFolder.id);
      assert.equal('containers' in (again?.node as { contents: TreeNode }).contents, false);
    } finally {
      setSwitches(sim.state, { omitEmptyLists: false });
    }
  });

  it('drops size and ver_nr from documents by switch', async () => {
    setSwitches(sim.state, { documentSize: false, documentVerNr: false });
    try {
      const tree = await signedJson<TreeNode>(sim, treePath());
      for (const d of flattenTree(tree).filter((e) => e.kind === 'document')) {
        assert.deepEqual(Object.keys(d.node as object).sort(), ['id', 'last_modifier', 'modified_time', 'name']);
      }
    } finally {
      setSwitches(sim.state, { documentSize: true, documentVerNr: true });
    }
  });

  it('without recursive gives one level; without include_urls no urls; unknown workspace 404', async () => {
    const flat = await signedJson<TreeNode>(sim, `/1/projects/${firstWs()}/documents`);
    assert.equal('urls' in flat, false);
    assert.ok((flat.containers ?? []).length > 0);
    assert.ok((flat.containers ?? []).every((c) => c.contents === undefined));
    const missing = await signedFetch(sim, '/1/projects/9999999/documents?recursive=true');
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });

  it('unknown route 404, wrong method 405', async () => {
    const unknown = await signedFetch(sim, '/1/nothing/here');
    assert.equal(unknown.status, 404);
    await unknown.arrayBuffer();
    const wrong = await signedFetch(sim, `/1/projects/${firstWs()}/documents`, { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
    await wrong.arrayBuffer();
  });
});

describe('v2 documents', () => {
  interface V2Node {
    id: number;
    type: string;
    file_name: string;
    container_id?: number;
    access?: string;
    contents?: Record<string, unknown>[];
    [k: string]: unknown;
  }

  it('lists one level of a workspace root and of a folder, sorted by name', async () => {
    const root = await signedJson<V2Node>(sim, `/2/documents/${firstWs()}`);
    assert.equal(root.id, firstWs());
    assert.equal(root.container_id, firstWs());
    assert.equal(root.access, 'write');
    const contents = root.contents ?? [];
    const names = contents.map((c) => String(c.file_name));
    assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const folder = contents.find((c) => c.type === 'Folder' && c.file_name !== '.git' && c.file_name !== 'a/b');
    assert.ok(folder);
    assert.equal(folder.container_id, firstWs());
    const sub = await signedJson<V2Node>(sim, `/2/documents/${String(folder.id)}`);
    assert.equal(sub.type, 'Folder');
    assert.equal(sub.container_id, folder.id);
    for (const c of sub.contents ?? []) assert.equal(c.container_id, folder.id);
    const doc = contents.find((c) => c.type === 'Document' && c.file_name === '../x');
    assert.ok(doc);
    assert.equal(doc.os_file_name, '..%2Fx');
    assert.equal(typeof doc.modified_time, 'number');
    assert.ok(contents.some((c) => c.type === 'Link' && typeof c.url === 'string'));
  });

  it("gives a document's own object without contents or container_id (switchable)", async () => {
    const item = [...sim.state.items.values()].find((i) => i.kind === 'document' && i.parentId !== null);
    assert.ok(item);
    const own = await signedJson<V2Node>(sim, `/2/documents/${item.id}`);
    assert.equal(own.type, 'Document');
    assert.equal('contents' in own, false);
    assert.equal('container_id' in own, false);
    setSwitches(sim.state, { v2DocumentContainerId: true, v2TimeFormat: 'iso' });
    try {
      const withParent = await signedJson<V2Node>(sim, `/2/documents/${item.id}`);
      assert.equal(withParent.container_id, item.parentId);
      assert.equal('modified_time' in withParent, false);
      assert.equal(withParent.modified, new Date(item.modifiedTime * 1000).toISOString().replace('.000Z', 'Z'));
    } finally {
      setSwitches(sim.state, { v2DocumentContainerId: false, v2TimeFormat: 'epoch' });
    }
    const missing = await signedFetch(sim, '/2/documents/9999999');
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });

  it('marks an archived workspace read-only', async () => {
    const archived = [...sim.state.workspaces.values()].find((w) => w.archived);
    assert.ok(archived);
    const root = await signedJson<V2Node>(sim, `/2/documents/${archived.id}`);
    assert.equal(root.access, 'read');
  });
});
