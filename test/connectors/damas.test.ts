// The damas connector: the shared conformance suite against the simulator, nodes as documents placed by their ids
// (containers, folders, names), their stored bytes (sorted keys, volatile keys and password hashes left out), the
// admin check, a complete listing while nodes are deleted between pages and between listing and reading, and the
// settings parser.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DamasConnector, parseDamasSettings, placeOf, versionOf } from '../../src/connectors/damas/index.ts';
import type { Item } from '../../src/engine/model.ts';
import { AuthError, ConfigError, ServiceError } from '../../src/lib/errors.ts';
import { HOSTILE_IDS, startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { connectorConformance } from './conformance.ts';
import { connectorFor, contentOf, control, expectedText, listAll, sha256, simNode } from './damas-helpers.ts';

connectorConformance('damas', async () => {
  const sim = await startDamasSim({ seed: 31 });
  const connector = connectorFor(sim);
  const badCredentials = connectorFor(sim, 'backup', { password: 'not-the-password' });
  return {
    connector,
    badCredentials,
    async contentSha256(item) {
      const text = expectedText(await simNode(sim, item.id));
      return { sha256: sha256(text), size: Buffer.byteLength(text) };
    },
    breakListing: async () => void (await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/api/read', kind: '500' }] })),
    heal: async () => void (await control(sim, 'DELETE', '/__sim/faults')),
    async close() {
      await Promise.all([connector.close(), badCredentials.close()]);
      await sim.close();
    },
  };
});

describe('nodes as documents', () => {
  let sim: RunningDamasSim;
  let connector: DamasConnector;
  let items: Item[];
  let containerNames: Map<string, string>;
  before(async () => {
    sim = await startDamasSim({ seed: 32, counts: { assets: 120, links: 30 } });
    // Small pages and batches, so paging and batching are exercised.
    connector = connectorFor(sim, 'backup', {}, { pageSize: 17, readBatch: 13 });
    const listed = await listAll(connector);
    items = listed.items;
    containerNames = new Map(listed.containers.map((c) => [c.id, c.name]));
  });
  after(async () => {
    await connector.close();
    await sim.close();
  });

  test('every node is listed once, as a document with its _id as item id; nothing else but folders', async () => {
    const docs = items.filter((i) => i.kind === 'document');
    assert.deepEqual(docs.map((d) => d.id).sort(), [...sim.state.nodes.keys()].sort());
    assert.ok(items.every((i) => i.kind === 'document' || i.kind === 'folder'));
  });

  test('containers: the first path segment, _objects for ObjectIds, _top for single-segment ids; folders for the segments between', () => {
    const byId = new Map(items.map((i) => [i.id, i]));
    const shot = [...byId.values()].find((i) => i.kind === 'document' && /^\/Alpha\/shots\/sh030\/comp\//.test(i.id));
    assert.ok(shot, 'a node under /Alpha/shots/sh030/comp/');
    assert.equal(containerNames.get(shot.containerId), 'Alpha');
    const names: string[] = [];
    for (let p = shot.parentId; p !== null; p = byId.get(p)!.parentId) names.unshift(byId.get(p)!.name);
    assert.deepEqual(names, ['shots', 'sh030', 'comp']);
    assert.equal(shot.name, `${shot.id.split('/').pop()}.json`);
    const oid = [...byId.values()].find((i) => /^[0-9a-f]{24}$/.test(i.id))!;
    assert.deepEqual([containerNames.get(oid.containerId), oid.parentId, oid.name], ['_objects', null, `${oid.id}.json`]);
    const top = byId.get('/Alpha')!;
    assert.deepEqual([containerNames.get(top.containerId), top.name], ['_top', 'Alpha.json']);
    assert.equal(containerNames.get(byId.get('idCustom;.*?<>#%')!.containerId), '_top');
    // Hostile segments pass through as names; making them safe is the engine's job.
    const dots = byId.get('/hostile/../escape.txt')!;
    assert.equal(byId.get(dots.parentId!)!.name, '..');
    assert.equal(byId.get('/hostile/ctrl\u0001char')!.name, 'ctrl\u0001char.json');
    // Container ids name manifest files: only [A-Za-z0-9_-], and distinct for look-alike segments.
    for (const id of containerNames.keys()) assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.notEqual(placeOf('/a b/x').containerId, placeOf('/a_b/x').containerId);
    assert.notEqual(placeOf('/Case/x').containerId, placeOf('/case/x').containerId);
  });

  test('content: canonical JSON exactly as the server stores the node, lastlogin dropped, password hashes replaced; version = its hash', async () => {
    const users = items.filter((i) => i.kind === 'document' && typeof sim.state.nodes.get(i.id)?.username === 'string');
    assert.ok(users.length >= 4);
    for (const item of items.filter((i) => i.kind === 'document')) {
      const text = await contentOf(connector, item);
      assert.equal(text, expectedText(await simNode(sim, item.id)), item.id);
      assert.equal(item.version, versionOf(Buffer.from(text)));
      assert.equal(item.size, Buffer.byteLength(text));
    }
    const backup = users.find((u) => sim.state.nodes.get(u.id)!.username === 'backup')!;
    const text = await contentOf(connector, backup);
    assert.ok(sim.state.nodes.get(backup.id)!.lastlogin, 'the sign-in wrote lastlogin');
    assert.doesNotMatch(text, /lastlogin/);
    assert.match(text, /"password": "\(password hash not backed up\)"/);
    assert.doesNotMatch(text, /[0-9a-f]{40}/);
  });

  test('a second sign-in changes the server’s user node (lastlogin) but no item’s version', async () => {
    const again = connectorFor(sim, 'backup', {}, { pageSize: 500 });
    try {
      const second = (await listAll(again)).items;
      const v1 = new Map(items.map((i) => [i.id, i.version]));
      for (const i of second) assert.equal(i.version, v1.get(i.id), i.id);
    } finally {
      await again.close();
    }
  });
});

describe('accounts and credentials', () => {
  let sim: RunningDamasSim;
  let clock = Date.now();
  before(async () => {
    sim = await startDamasSim({ seed: 33, counts: { assets: 10 }, now: () => clock });
  });
  after(() => sim.close());

  test('a user or an editor is refused before anything is listed: damas would answer null for others’ nodes', async () => {
    for (const name of ['alice', 'eddie']) {
      const c = connectorFor(sim, name);
      try {
        await assert.rejects(c.listContainers(), (e: unknown) => e instanceof ServiceError && /is (user|editor), not an admin: damas would answer null for other users' nodes/.test((e as Error).message));
      } finally {
        await c.close();
      }
    }
  });

  test('a token instead of a password (verify tells the class); a refused token is an AuthError naming the token', async () => {
    const r = await fetch(`${sim.url}/api/signIn/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: sim.user('root').password, expiresIn: '0' }) });
    const token = ((await r.json()) as { token: string }).token;
    const c = new DamasConnector(parseDamasSettings({ url: sim.url, token }), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    try {
      const { items } = await listAll(c);
      assert.equal(items.filter((i) => i.kind === 'document').length, sim.state.nodes.size);
    } finally {
      await c.close();
    }
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    const bad = new DamasConnector(parseDamasSettings({ url: sim.url, token: forged }));
    try {
      await assert.rejects(bad.listContainers(), (e: unknown) => e instanceof AuthError && /check token/.test((e as Error).message));
    } finally {
      await bad.close();
    }
  });

  test('an expired token mid-run: the connector signs in again once', async () => {
    const c = connectorFor(sim, 'backup', {}, { tokenLifetime: '1h' });
    try {
      await c.listContainers();
      clock += 2 * 3600_000;
      const { items } = await listAll(c);
      assert.ok(items.length > 0);
      const signIns = ((await control(sim, 'GET', '/__sim/requests')) as Array<{ path: string }>).filter((x) => x.path === '/api/signIn/').length;
      assert.ok(signIns >= 2, `${signIns} sign-ins`);
    } finally {
      await c.close();
    }
  });
});

describe('listing while damas changes', () => {
  test('nodes deleted between search pages: no existing node is skipped (a plain skip/limit walk would skip some)', async () => {
    const sim = await startDamasSim({ seed: 34, counts: { assets: 150, hostile: false } });
    const c = connectorFor(sim, 'backup', {}, { pageSize: 10 });
    try {
      // Proof the drift bites: a naive skip walk over the same server loses ids.
      const token = ((await (await fetch(`${sim.url}/api/signIn/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'backup', password: sim.user('backup').password }) })).json()) as { token: string }).token;
      await control(sim, 'POST', '/__sim/switches', { deleteBehind: 6 });
      const naive: string[] = [];
      for (let skip = 0; ; skip += 10) {
        const r = await fetch(`${sim.url}/api/search_mongo/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: {}, sort: { _id: 1 }, skip, limit: 10 }) });
        const page = ((await r.json()) as { ids: string[] }).ids;
        naive.push(...page);
        if (page.length < 10) break;
      }
      const missed = [...sim.state.nodes.keys()].filter((id) => !naive.includes(id));
      assert.ok(missed.length > 0, 'the naive walk skipped existing nodes');

      await control(sim, 'POST', '/__sim/switches', { deleteBehind: 6 });
      const containers = await c.listContainers();
      assert.equal(sim.state.switches.deleteBehind, 0, 'all six deletions happened during the walk');
      const items: Item[] = [];
      for (const ct of containers) for await (const i of c.listItems(ct)) items.push(i);
      const listed = new Set(items.map((i) => i.id));
      const skipped = [...sim.state.nodes.keys()].filter((id) => !listed.has(id));
      assert.deepEqual(skipped, [], 'every node that exists now is listed');
    } finally {
      await c.close();
      await sim.close();
    }
  });

  test('a node deleted between listing and reading is left out (read as deleted), not an error', async () => {
    const sim = await startDamasSim({ seed: 35, counts: { assets: 20 } });
    const c = connectorFor(sim);
    try {
      const containers = await c.listContainers();
      const alpha = containers.find((x) => x.name === 'Alpha')!;
      const victim = [...sim.state.nodes.keys()].find((id) => id.startsWith('/Alpha/'))!;
      await control(sim, 'DELETE', `/__sim/node?id=${encodeURIComponent(victim)}`);
      const items: Item[] = [];
      for await (const i of c.listItems(alpha)) items.push(i);
      assert.ok(!items.some((i) => i.id === victim));
      assert.ok(items.some((i) => i.kind === 'document'));
      assert.equal(c.vanished, 1);
    } finally {
      await c.close();
      await sim.close();
    }
  });

  test('hostile ids all come through, each once', async () => {
    const sim = await startDamasSim({ seed: 36, counts: { assets: 5 } });
    const c = connectorFor(sim);
    try {
      const ids = new Set((await listAll(c)).items.map((i) => i.id));
      for (const id of HOSTILE_IDS) assert.ok(ids.has(id), JSON.stringify(id));
    } finally {
      await c.close();
      await sim.close();
    }
  });
});

describe('settings', () => {
  const env = { WORKSPACE_BACKUP_DAMAS_PASSWORD: 'from-env-pw', WORKSPACE_BACKUP_DAMAS_TOKEN: 'aaa.bbb.ccc' };
  test('url and username + password, or a token; secrets from the environment', () => {
    assert.deepEqual(parseDamasSettings({ url: 'https://damas.example.com/api/', username: 'backup', password: ' p w ' }), { url: 'https://damas.example.com', username: 'backup', password: ' p w ' });
    assert.deepEqual(parseDamasSettings({ url: 'https://d.example.com', username: 'backup' }, 'damas', env), { url: 'https://d.example.com', username: 'backup', password: 'from-env-pw' });
    assert.deepEqual(parseDamasSettings({ url: 'https://d.example.com' }, 'damas', env), { url: 'https://d.example.com', token: 'aaa.bbb.ccc' });
    assert.deepEqual(parseDamasSettings({ serverUrl: 'http://127.0.0.1:8090', damas_token: 'x.y.z' }), { url: 'http://127.0.0.1:8090', token: 'x.y.z' });
  });

  test('clear ConfigErrors that never show a secret', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ username: 'u', password: 'secret-1' }, /url is missing/],
      [{ url: 'http://damas.example.com', username: 'u', password: 'secret-1' }, /plain http would send the password/],
      [{ url: 'https://d.example.com' }, /needs credentials: username and password .* or a token/],
      [{ url: 'https://d.example.com', username: 'u' }, /password is missing .*WORKSPACE_BACKUP_DAMAS_PASSWORD/],
      [{ url: 'https://d.example.com', password: 'secret-1' }, /username is missing/],
      [{ url: 'https://d.example.com', token: 'Bearer secret-1' }, /not a JSON Web Token/],
      [{ url: 'https://d.example.com', username: 'u', password: 'secret-1', token: 'a.b.c' }, /either username and password, or token/],
      [{ url: 'https://d.example.com', apiKey: 'secret-1' }, /unknown configuration key "damas.apiKey"/],
      ['nope', /must be an object/],
    ];
    for (const [raw, re] of cases) {
      assert.throws(() => parseDamasSettings(raw), (e: unknown) => e instanceof ConfigError && re.test((e as Error).message) && !(e as Error).message.includes('secret-1'), JSON.stringify(raw));
    }
  });
});
