// Projectplace simulator: seeded generator (determinism, shape, 100k documents) and mutations seen through the API.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createState,
  dumpState,
  HOSTILE_DOCUMENT_NAMES,
  mutate,
  MutationError,
  startProjectplaceSim,
  type Item,
  type RunningSim,
  type SimState,
} from '../../src/sim/projectplace/index.ts';
import { control, flattenTree, signedFetch, signedJson, type TreeNode } from './pp-helpers.ts';

function documents(state: SimState): Item[] {
  return [...state.items.values()].filter((i) => i.kind === 'document');
}

describe('generator', () => {
  it('is deterministic: same options → same ids, names, tree, versions; another seed differs', () => {
    const a = JSON.stringify(dumpState(createState({ seed: 42, documents: 300 })));
    const b = JSON.stringify(dumpState(createState({ seed: 42, documents: 300 })));
    const c = JSON.stringify(dumpState(createState({ seed: 43, documents: 300 })));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('has the documented shape: users, workspaces (one archived), 7-digit ids, versions, depth <= 4', () => {
    const state = createState({ seed: 7, documents: 400, workspaces: 4 });
    const users = [...state.users.values()];
    assert.equal(users.filter((u) => !u.external && !u.removed).length, 8);
    assert.equal(users.filter((u) => u.external).length, 2);
    assert.ok(users.every((u) => /@/.test(u.email)));
    assert.equal([...state.workspaces.values()].filter((w) => w.archived).length, 1);
    const docs = documents(state);
    assert.equal(docs.length, 400);
    const ids = [...state.items.keys(), ...state.workspaces.keys(), ...state.users.keys()];
    assert.equal(new Set(ids).size, ids.length, 'one global id sequence');
    assert.ok(ids.every((id) => id >= 1_000_000 && id <= 9_999_999));
    for (const d of docs) {
      assert.ok(d.versions.length >= 1 && d.versions.length <= 3);
      for (let i = 1; i < d.versions.length; i++) {
        const prev = d.versions[i - 1];
        const cur = d.versions[i];
        assert.ok(prev && cur && cur.modifiedTime > prev.modifiedTime);
        assert.notEqual(cur.modifier, prev.modifier);
      }
      const last = d.versions.at(-1);
      assert.equal(d.modifiedTime, last?.modifiedTime);
      assert.equal(d.lastModifier, last?.modifier);
      assert.ok(d.modifiedTime >= Date.UTC(2023, 0, 1) / 1000 && d.modifiedTime < Date.UTC(2026, 0, 1) / 1000);
    }
    const sizes = docs.map((d) => d.versions.at(-1)?.size ?? 0);
    assert.ok(sizes.filter((s) => s <= 200 * 1024).length > sizes.length * 0.8);
    assert.ok(Math.max(...sizes) <= 5 * 1024 * 1024);
    const depth = (item: Item): number => (item.parentId === null ? 1 : 1 + depth(state.items.get(item.parentId) as Item));
    assert.ok([...state.items.values()].every((i) => i.kind !== 'folder' || depth(i) <= 4));
    assert.ok([...state.items.values()].some((i) => i.kind === 'folder' && depth(i) >= 3));
    assert.ok([...state.items.values()].filter((i) => i.kind === 'link').every((l) => typeof l.url === 'string'));
    for (const ws of state.workspaces.keys()) assert.ok(docs.some((d) => d.workspaceId === ws), `workspace ${ws} has documents`);
  });

  it('includes hostile names with hostileNames (default) and none without', () => {
    const hostile = new Set(documents(createState({ documents: 100 })).map((d) => d.name));
    for (const n of HOSTILE_DOCUMENT_NAMES) assert.ok(hostile.has(n), JSON.stringify(n));
    assert.ok(hostile.has('x'.repeat(296) + '.txt'));
    assert.equal(Buffer.byteLength('é'.repeat(148) + '.txt'), 300);
    const plain = documents(createState({ documents: 100, hostileNames: false }));
    assert.equal(plain.length, 100);
    assert.ok(plain.every((d) => /^[A-Za-z]+ [a-z]+ \d+(\.[a-z]+)?$/.test(d.name)));
  });

  it('places large documents with exact sizes in the first workspace root', () => {
    const state = createState({ documents: 10, largeDocuments: [2 * 1024 ** 3, 5] });
    const first = [...state.workspaces.keys()][0];
    const large = documents(state).filter((d) => d.name.startsWith('large-'));
    assert.deepEqual(large.map((d) => d.versions.at(-1)?.size), [2 * 1024 ** 3, 5]);
    assert.ok(large.every((d) => d.workspaceId === first && d.parentId === null));
    assert.equal(documents(state).length, 12);
  });

  it('generates 100,000 documents in seconds', () => {
    const started = performance.now();
    const state = createState({ documents: 100_000, workspaces: 6 });
    const ms = performance.now() - started;
    assert.equal(documents(state).length, 100_000);
    console.log(`generated 100k documents, ${state.items.size} items in ${ms.toFixed(0)} ms`);
  });
});

describe('a 100k-document simulator', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startProjectplaceSim({ documents: 100_000, workspaces: 4 });
  });
  after(async () => {
    await sim.close();
  });

  it('lists every document of the account through the recursive trees', async () => {
    const started = performance.now();
    const { projects } = await signedJson<{ projects: { id: number }[] }>(sim, '/1/account/projects?include_archived=1');
    let count = 0;
    for (const p of projects) {
      const tree = await signedJson<TreeNode>(sim, `/1/projects/${p.id}/documents?recursive=true&include_urls=true`);
      count += flattenTree(tree).filter((e) => e.kind === 'document').length;
    }
    assert.equal(count, 100_000);
    console.log(`listed 100k documents over HTTP in ${(performance.now() - started).toFixed(0)} ms`);
  });
});

describe('mutations', () => {
  let sim: RunningSim;
  let ws1: number;
  let ws2: number;
  before(async () => {
    sim = await startProjectplaceSim({ documents: 40 });
    [ws1, ws2] = [...sim.state.workspaces.keys()] as [number, number];
  });
  after(async () => {
    await sim.close();
  });

  const tree = async (ws: number): Promise<ReturnType<typeof flattenTree>> =>
    flattenTree(await signedJson<TreeNode>(sim, `/1/projects/${ws}/documents?recursive=true&include_urls=true`));
  const mutateHttp = async (op: Record<string, unknown>): Promise<number> => {
    const r = await control<{ ok: boolean; id: number; error?: string }>(sim, 'POST', '/__sim/mutate', op);
    assert.equal(r.status, 200, r.json.error);
    return r.json.id;
  };
  const users = (): number[] => [...sim.state.users.values()].filter((u) => !u.removed).map((u) => u.id);

  it('add: folder, document inside it, link; visible in the tree', async () => {
    const folder = await mutateHttp({ op: 'add', workspaceId: ws1, parentId: null, kind: 'folder', name: 'New folder' });
    const doc = await mutateHttp({ op: 'add', workspaceId: ws1, parentId: folder, kind: 'document', name: 'new.txt', size: 10, by: users()[2], at: 1_750_000_000 });
    const link = await mutateHttp({ op: 'add', workspaceId: ws1, parentId: folder, kind: 'link', name: 'Site', url: 'https://example.com/' });
    const entries = await tree(ws1);
    const d = entries.find((e) => e.id === doc);
    assert.deepEqual(d?.path, ['New folder']);
    assert.deepEqual(d?.node, { id: doc, name: 'new.txt', modified_time: 1_750_000_000, last_modifier: users()[2], ver_nr: 1, size: 10 });
    assert.equal((entries.find((e) => e.id === link)?.node as { url: string }).url, 'https://example.com/');
    const res = await signedFetch(sim, `/1/documents/${doc}`);
    assert.equal((await res.arrayBuffer()).byteLength, 10);
  });

  it('edit: new version with ver_nr+1, modified_time, last_modifier and new content', async () => {
    const item = documents(sim.state).find((d) => d.workspaceId === ws1 && d.parentId !== null) as Item;
    const before = (await tree(ws1)).find((e) => e.id === item.id)?.node as { ver_nr: number };
    const by = users()[5] as number;
    await mutateHttp({ op: 'edit', id: item.id, by, at: 1_760_000_000, size: 777 });
    const after = (await tree(ws1)).find((e) => e.id === item.id)?.node as Record<string, unknown>;
    assert.equal(after.ver_nr, before.ver_nr + 1);
    assert.equal(after.modified_time, 1_760_000_000);
    assert.equal(after.last_modifier, by);
    assert.equal(after.size, 777);
  });

  it('rename and move (across workspaces, with a folder subtree)', async () => {
    const folder = [...sim.state.items.values()].find((i) => i.kind === 'folder' && i.workspaceId === ws1 && (sim.state.children.get(i.id)?.size ?? 0) > 0) as Item;
    const inside = [...(sim.state.children.get(folder.id) ?? [])];
    await mutateHttp({ op: 'rename', id: folder.id, name: 'Renamed' });
    await mutateHttp({ op: 'move', id: folder.id, parentId: null, workspaceId: ws2 });
    const t1 = await tree(ws1);
    const t2 = await tree(ws2);
    assert.ok(!t1.some((e) => e.id === folder.id || inside.includes(e.id)));
    assert.equal(t2.find((e) => e.id === folder.id)?.name, 'Renamed');
    for (const id of inside) assert.deepEqual(t2.find((e) => e.id === id)?.path, ['Renamed']);
    assert.ok(inside.every((id) => sim.state.items.get(id)?.workspaceId === ws2));
    const cycle = await control<{ error: string }>(sim, 'POST', '/__sim/mutate', { op: 'move', id: folder.id, parentId: folder.id });
    assert.equal(cycle.status, 400);
  });

  it('delete: a folder takes its subtree; downloads answer 404', async () => {
    const folder = [...sim.state.items.values()].find((i) => i.kind === 'folder' && i.workspaceId === ws1 && [...(sim.state.children.get(i.id) ?? [])].some((c) => sim.state.items.get(c)?.kind === 'document')) as Item;
    const doc = [...(sim.state.children.get(folder.id) ?? [])].find((c) => sim.state.items.get(c)?.kind === 'document') as number;
    await mutateHttp({ op: 'delete', id: folder.id });
    const entries = await tree(ws1);
    assert.ok(!entries.some((e) => e.id === folder.id || e.id === doc));
    const res = await signedFetch(sim, `/1/documents/${doc}`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  it('workspace operations: archive, rename, add', async () => {
    await mutateHttp({ op: 'archiveWorkspace', workspaceId: ws2, archived: true });
    await mutateHttp({ op: 'renameWorkspace', workspaceId: ws1, name: 'Alpha renamed' });
    const added = await mutateHttp({ op: 'addWorkspace', name: 'Brand new' });
    const { projects } = await signedJson<{ projects: { id: number; name: string }[] }>(sim, '/1/account/projects');
    assert.ok(!projects.some((p) => p.id === ws2));
    assert.equal(projects.find((p) => p.id === ws1)?.name, 'Alpha renamed');
    assert.ok(projects.some((p) => p.id === added && p.name === 'Brand new'));
    const empty = await signedJson<TreeNode>(sim, `/1/projects/${added}/documents?recursive=true&include_urls=true`);
    assert.deepEqual(empty, { size: 0, containers: [], documents: [], urls: [] });
    await mutateHttp({ op: 'archiveWorkspace', workspaceId: ws2, archived: false });
  });

  it('rejects bad operations with 400 (HTTP) or MutationError (in process)', async () => {
    for (const op of [{ op: 'explode' }, { op: 'edit', id: 1 }, { op: 'add', workspaceId: ws1, parentId: null, kind: 'blob', name: 'x' }, { op: 'rename', id: 1 }]) {
      const r = await control<{ error: string }>(sim, 'POST', '/__sim/mutate', op);
      assert.equal(r.status, 400, JSON.stringify(op));
      assert.equal(typeof r.json.error, 'string');
    }
    const malformed = await fetch(sim.url + '/__sim/mutate', { method: 'POST', body: '{' });
    assert.equal(malformed.status, 400);
    await malformed.arrayBuffer();
    assert.throws(() => mutate(sim.state, { op: 'delete', id: 1 }), MutationError);
  });

  it('reset regenerates the original account', async () => {
    const original = JSON.stringify(dumpState(createState({ documents: 40 })).items);
    await control(sim, 'POST', '/__sim/reset');
    assert.equal(JSON.stringify(dumpState(sim.state).items), original);
  });
});
