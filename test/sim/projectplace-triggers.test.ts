// Projectplace simulator: triggers (changes during a client's run, on the n-th matching request), token expiry
// mid-run, and the history of every version a document ever served (also after deletion).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { SimControl } from '../../src/sim/control-client.ts';
import { clearTriggers, startProjectplaceSim, type Item, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { control, getBearerToken, signedFetch, signedJson, type TreeNode, flattenTree } from './pp-helpers.ts';

let sim: RunningSim;
let ctl: SimControl;
before(async () => {
  sim = await startProjectplaceSim({ documents: 30, workspaces: 3, hostileNames: false });
  ctl = new SimControl(sim.url);
});
after(async () => {
  await sim.close();
});
afterEach(() => {
  clearTriggers(sim.state);
});

const docs = (): Item[] => [...sim.state.items.values()].filter((i) => i.kind === 'document' && i.versions.at(-1)!.size > 0);

async function download(id: number): Promise<{ status: number; sha256: string }> {
  const res = await signedFetch(sim, `/1/documents/${id}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('triggers', () => {
  it('edit before the n-th download: that download serves the new version; the trigger fires once', async () => {
    const [a, b] = docs();
    const versionsBefore = (await ctl.versions(b!.id))!.versions;
    await ctl.triggers([{ path: '^/1/documents/(\\d+)$', nth: 2, mutations: [{ op: 'edit', id: '$1' }] }]);
    const first = await download(a!.id);
    assert.equal(first.sha256, (await ctl.sha256(a!.id)).sha256, 'the 1st download is untouched');
    const second = await download(b!.id);
    const after = (await ctl.versions(b!.id))!;
    assert.equal(after.versions.length, versionsBefore.length + 1, 'a new version');
    assert.equal(second.sha256, after.versions.at(-1)!.sha256, 'the download served the new version');
    assert.notEqual(second.sha256, versionsBefore.at(-1)!.sha256);
    await download(b!.id);
    assert.equal((await ctl.versions(b!.id))!.versions.length, versionsBefore.length + 1, 'fired once only');
    const status = await ctl.triggerStatus();
    assert.deepEqual(status.seen, [3]);
    assert.deepEqual(status.fired[0], { request: `GET /1/documents/${b!.id}`, ids: [b!.id], errors: [] });
  });

  it('edit after the answer is decided: the download streams the old version, the next one the new', async () => {
    const d = docs()[2]!;
    const old = (await ctl.sha256(d.id)).sha256;
    await ctl.triggers([{ path: `^/1/documents/${d.id}$`, when: 'after', mutations: [{ op: 'edit', id: d.id, size: 5000 }] }]);
    assert.equal((await download(d.id)).sha256, old);
    const now = (await ctl.sha256(d.id)).sha256;
    assert.notEqual(now, old);
    assert.equal((await download(d.id)).sha256, now);
  });

  it('delete before the download: 404; the versions it served stay known to the control API', async () => {
    const d = docs()[3]!;
    const served = (await ctl.versions(d.id))!;
    await ctl.triggers([{ path: '^/1/documents/(\\d+)$', mutations: [{ op: 'delete', id: '$1' }] }]);
    assert.equal((await download(d.id)).status, 404);
    const gone = (await ctl.versions(d.id))!;
    assert.equal(gone.deleted, true);
    assert.deepEqual(gone.versions, served.versions);
    assert.ok((await ctl.state()).deletedItems!.some((i) => i.id === d.id));
    assert.equal(await ctl.versions(1), undefined, 'an id that never was a document');
  });

  it('after the listing of a workspace, a folder moves: that listing shows the old place, the next the new', async () => {
    const ws = [...sim.state.workspaces.keys()][0]!;
    const folder = [...sim.state.items.values()].find((i) => i.kind === 'folder' && i.workspaceId === ws && i.parentId !== null)!;
    const path = `/1/projects/${ws}/documents?recursive=true`;
    await ctl.triggers([{ path: `^/1/projects/${ws}/documents$`, when: 'after', mutations: [{ op: 'move', id: folder.id, parentId: null }] }]);
    const parentOf = (tree: TreeNode) => flattenTree(tree).find((x) => x.id === folder.id)!.path.length;
    assert.ok(parentOf(await signedJson<TreeNode>(sim, path)) > 0, 'still in its folder in the listing that fired the trigger');
    assert.equal(parentOf(await signedJson<TreeNode>(sim, path)), 0, 'at the root in the next listing');
  });

  it('expireTokens: the bearer token held by a client stops working mid-run', async () => {
    const token = await getBearerToken(sim);
    const get = (p: string) => fetch(sim.url + p, { headers: { authorization: `Bearer ${token}` } });
    await ctl.triggers([{ path: '^/1/account$', nth: 2, expireTokens: true }]);
    const r1 = await get('/1/account');
    assert.equal(r1.status, 200);
    await r1.arrayBuffer();
    const r2 = await get('/1/account');
    assert.equal(r2.status, 401, 'the request that fired it already sees the expired token');
    assert.match(await r2.text(), /token expired/);
    const fresh = await getBearerToken(sim);
    const r3 = await fetch(sim.url + '/1/account', { headers: { authorization: `Bearer ${fresh}` } });
    assert.equal(r3.status, 200, 'a new token works');
    await r3.arrayBuffer();
  });

  it('advanceClockSeconds moves the clock: OAuth2 tokens older than their lifetime expire', async () => {
    const token = await getBearerToken(sim);
    await ctl.triggers([{ path: '^/1/user/me$', advanceClockSeconds: sim.state.switches.tokenLifetimeSeconds + 1 }]);
    const before = sim.state.clockOffsetMs;
    const res = await fetch(sim.url + '/1/user/me', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    assert.equal(sim.state.clockOffsetMs - before, (sim.state.switches.tokenLifetimeSeconds + 1) * 1000);
    sim.state.clockOffsetMs = before;
  });

  it('a mutation that cannot apply when the trigger fires is recorded, and the request is answered as usual', async () => {
    await ctl.triggers([{ path: '^/1/account$', mutations: [{ op: 'delete', id: 424242 }] }]);
    const res = await signedFetch(sim, '/1/account');
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const status = await ctl.triggerStatus();
    assert.match(status.fired[0]!.errors[0]!, /unknown item 424242/);
  });

  it('rejects malformed triggers with 400', async () => {
    const bad: unknown[] = [
      { path: '(', mutations: [{ op: 'delete', id: 1 }] },
      { path: 'x', nth: 0, mutations: [{ op: 'delete', id: 1 }] },
      { path: 'x', when: 'during', mutations: [{ op: 'delete', id: 1 }] },
      { path: '^/1/documents/(\\d+)$', mutations: [{ op: 'delete', id: '$2' }] },
      { path: 'x', mutations: [{ op: 'explode', id: 1 }] },
      { path: 'x', mutations: [{ op: 'edit', id: 'one' }] },
      { path: 'x' },
      { path: 'x', expireTokens: 'yes' },
      { path: 'x', mutations: [{ op: 'delete', id: 1 }], surprise: true },
    ];
    for (const t of bad) {
      const r = await control(sim, 'POST', '/__sim/triggers', { triggers: [t] });
      assert.equal(r.status, 400, JSON.stringify(t));
    }
    assert.equal((await control(sim, 'POST', '/__sim/triggers', { nope: [] })).status, 400);
    const ok = await control(sim, 'POST', '/__sim/triggers', { triggers: [{ path: 'x', method: 'get', expireTokens: true }] });
    assert.equal(ok.status, 200);
    assert.deepEqual((await ctl.triggerStatus()).triggers, [{ path: 'x', nth: 1, when: 'before', mutations: [], method: 'GET', expireTokens: true }]);
    await ctl.clearTriggers();
    assert.deepEqual((await ctl.triggerStatus()).triggers, []);
  });
});

describe('document versions', () => {
  it('lists every version with the sha256 of the bytes it served; the last is the current one', async () => {
    const d = [...sim.state.items.values()].find((i) => i.kind === 'document' && i.versions.length >= 2)!;
    const v = (await ctl.versions(d.id))!;
    assert.equal(v.deleted, false);
    assert.deepEqual(v.versions.map((x) => x.verNr), d.versions.map((x) => x.verNr));
    assert.equal(v.versions.at(-1)!.sha256, (await ctl.sha256(d.id)).sha256);
    assert.equal(new Set(v.versions.map((x) => x.sha256)).size, v.versions.length, 'versions differ');
    assert.equal((await download(d.id)).sha256, v.versions.at(-1)!.sha256);
  });
});
