// The damas-core simulator's API as research §3.2–3.3 describes the real server: sign-in and JWTs, 401s, search_mongo
// with Mongo semantics and regex markers, read's 200/207/404 and GET read's crash, text search comparing strings,
// authorMode, writes (author and time set by the server, null unsets), graph, hostile ids, the seeded generator.

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generateNodes, defaultCounts, defaultUsers, HOSTILE_IDS, startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { call, control, signIn } from './damas-helpers.ts';

type Json = Record<string, unknown>;

function jwtParts(token: string): { header: Json; payload: Json; valid(key: string): boolean } {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Json,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Json,
    valid: (key) => createHmac('sha256', key).update(`${h}.${p}`).digest('base64url') === s,
  };
}

describe('damas sim: sign-in and tokens', () => {
  let sim: RunningDamasSim;
  let clock = Date.UTC(2024, 5, 1);
  before(async () => {
    sim = await startDamasSim({ seed: 11, now: () => clock });
  });
  after(() => sim.close());

  test('signIn answers {_id, user, token}: the user node with its sha1 hash, a HS256 token keyed by secret + hash, lastlogin written', async () => {
    const u = sim.user('backup');
    const r = await call(sim, 'POST', '/api/signIn/', { body: { username: 'backup', password: u.password } });
    assert.equal(r.status, 200, r.text);
    const a = r.json as { _id: string; user: Json; token: string };
    assert.deepEqual(Object.keys(a), ['_id', 'user', 'token']);
    const sha1 = createHash('sha1').update(u.password).digest('hex');
    assert.equal(a.user.password, sha1, 'the answer includes the password hash, as the real one does');
    assert.equal(a.user.class, 'admin');
    assert.match(a._id, /^[0-9a-f]{24}$/);
    const t = jwtParts(a.token);
    assert.deepEqual(t.header, { typ: 'JWT', alg: 'HS256' });
    assert.deepEqual(Object.keys(t.payload), ['_id', 'username', 'iat', 'exp']);
    assert.equal(t.payload.exp as number - (t.payload.iat as number), 86_400, 'default exp is 1d');
    assert.ok(t.valid(sim.credentials.secret + sha1), 'signed with secret + password hash');
    assert.ok(!t.valid(sim.credentials.secret), 'not with the secret alone');
    const node = (await control(sim, 'GET', `/__sim/node?id=${a._id}`)) as Json;
    assert.equal(node.lastlogin, clock);
  });

  test('md5 hashes (by length), email as username, and the refusals: wrong password, disabled user, bad expiresIn, missing fields', async () => {
    const eddie = sim.user('eddie');
    const r = await call(sim, 'POST', '/api/signIn/', { body: { username: eddie.email, password: eddie.password } });
    assert.equal(r.status, 200, r.text);
    assert.equal(((r.json as { user: Json }).user.password as string).length, 32);
    const wrong = await call(sim, 'POST', '/api/signIn/', { body: { username: 'eddie', password: 'nope' } });
    assert.deepEqual([wrong.status, wrong.json], [401, 'Invalid username or password']);
    assert.match(wrong.type, /application\/json/);
    const disabled = await call(sim, 'POST', '/api/signIn/', { body: { username: 'former', password: `former-${sim.state.seed}` } });
    assert.deepEqual([disabled.status, disabled.json], [401, 'Unauthorized connection']);
    const badExp = await call(sim, 'POST', '/api/signIn/', { body: { username: 'eddie', password: eddie.password, expiresIn: 'soon' } });
    assert.deepEqual([badExp.status, badExp.json], [401, "Value : 'soon' is invalid expiration token"]);
    const none = await call(sim, 'POST', '/api/signIn/', { body: { username: 'eddie' } });
    assert.equal(none.status, 401);
  });

  test('every /api/* path needs the token (Bearer or cookie); /api/signIn without its slash is not exempt', async () => {
    for (const [method, path] of [['GET', '/api/verify'], ['POST', '/api/read/'], ['POST', '/api/search_mongo/'], ['GET', '/api/search/*'], ['POST', '/api/signIn'], ['GET', '/api/nothing']]) {
      const r = await call(sim, method!, path!, method === 'POST' ? { body: {} } : {});
      assert.deepEqual([r.status, r.json], [401, '401 Unauthorized (invalid token and authentication is required)'], `${method} ${path}`);
    }
    const token = await signIn(sim, 'alice');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await call(sim, 'GET', '/api/verify', { token: forged })).status, 401, 'a bad signature');
    const byCookie = await call(sim, 'GET', '/api/verify', { headers: { cookie: `other=1; token=${token}` } });
    assert.equal(byCookie.status, 200);
    assert.equal((byCookie.json as Json).username, 'alice');
    assert.equal((byCookie.json as Json).password, createHash('sha1').update(sim.user('alice').password).digest('hex'), 'verify includes the hash too');
  });

  test('tokens expire at exp; expiresIn "0" never expires; a changed password hash voids old tokens', async () => {
    const short = await signIn(sim, 'alice', { expiresIn: '1m' });
    const forever = await signIn(sim, 'alice', { expiresIn: '0' });
    assert.equal(jwtParts(forever).payload.ignoreExpiration, true);
    assert.equal((await call(sim, 'GET', '/api/verify', { token: short })).status, 200);
    clock += 61_000;
    assert.equal((await call(sim, 'GET', '/api/verify', { token: short })).status, 401, 'expired');
    assert.equal((await call(sim, 'GET', '/api/verify', { token: forever })).status, 200, 'no expiry');
    const id = jwtParts(forever).payload._id as string;
    await control(sim, 'PATCH', `/__sim/node?id=${id}`, { password: createHash('sha1').update('new').digest('hex') });
    assert.equal((await call(sim, 'GET', '/api/verify', { token: forever })).status, 401, 'key is secret + hash');
  });
});

describe('damas sim: reading and searching', () => {
  let sim: RunningDamasSim;
  let admin: string;
  let alice: string;
  before(async () => {
    sim = await startDamasSim({ seed: 12 });
    admin = await signIn(sim, 'backup');
    alice = await signIn(sim, 'alice');
  });
  after(() => sim.close());

  test('search_mongo pages by skip/limit with a count of all matches; ObjectIds sort after every string', async () => {
    const all = (await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: {}, sort: { _id: 1 }, skip: 0, limit: 0 } })).json as { count: number; ids: string[] };
    assert.equal(all.count, sim.state.nodes.size);
    assert.equal(all.ids.length, all.count, 'limit 0 is no limit');
    const firstOid = all.ids.findIndex((id) => /^[0-9a-f]{24}$/.test(id));
    assert.ok(firstOid > 0);
    assert.ok(all.ids.slice(firstOid).every((id) => /^[0-9a-f]{24}$/.test(id)), 'strings first, then ObjectIds');
    const strings = all.ids.slice(0, firstOid);
    assert.deepEqual(strings, [...strings].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const page = (await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: {}, sort: { _id: 1 }, skip: 5, limit: 7 } })).json as { count: number; ids: string[] };
    assert.deepEqual(page, { count: all.count, ids: all.ids.slice(5, 12) });
    const viaQueryobj = (await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { queryobj: JSON.stringify({ query: {}, sort: { _id: 1 }, skip: 5, limit: 7 }) } })).json;
    assert.deepEqual(viaQueryobj, page);
    // A string never matches an ObjectId, in equality or comparison.
    const oid = all.ids[firstOid]!;
    assert.deepEqual((await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: { _id: oid } } })).json, { count: 0, ids: [] });
    const gt = (await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: { _id: { $gt: '' } }, limit: 0 } })).json as { count: number };
    assert.equal(gt.count, firstOid);
  });

  test('regex markers: "REGEX_…" and "RX_pattern_RXflags", at any depth', async () => {
    const q = async (query: unknown) => ((await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query, sort: { _id: 1 } } })).json as { ids: string[] }).ids;
    const alpha = await q({ _id: 'REGEX_^/Alpha/' });
    assert.ok(alpha.length > 0 && alpha.every((id) => id.startsWith('/Alpha/')));
    assert.deepEqual(await q({ _id: 'RX_^/alpha/_RXi' }), alpha, 'flags after _RX');
    assert.deepEqual(await q({ _id: 'RX_^/alpha/_RX' }), [], 'no flags: case matters');
    assert.deepEqual(await q({ $or: [{ _id: 'REGEX_^/Alpha/' }] }), alpha);
    // A value that starts with a marker is never compared as a string: "RX_looks_like_a_regex_RXi" is /looks_like_a_regex/i.
    assert.deepEqual(await q({ _id: 'RX_LOOKS_like_a_regex_RXi' }), ['RX_looks_like_a_regex_RXi']);
    assert.ok((await q({ comment: 'REGEX_hostile id' })).length > 10, 'a substring match, not equality');
    const bad = await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: { _id: 'REGEX_(' } } });
    assert.equal(bad.status, 500);
  });

  test('POST /api/read/: one id → the node; a list → a list; 207 with null for missing; 404 text when none', async () => {
    const one = await call(sim, 'POST', '/api/read/', { token: admin, body: '/Alpha' });
    assert.equal(one.status, 200);
    assert.equal((one.json as Json)._id, '/Alpha');
    const list = await call(sim, 'POST', '/api/read/', { token: admin, body: ['/Alpha'] });
    assert.ok(Array.isArray(list.json));
    const partial = await call(sim, 'POST', '/api/read/', { token: admin, body: ['/Alpha', '/missing', '/Bravo'] });
    assert.equal(partial.status, 207);
    assert.deepEqual((partial.json as Array<Json | null>).map((n) => n?._id ?? null), ['/Alpha', null, '/Bravo']);
    const none = await call(sim, 'POST', '/api/read/', { token: admin, body: ['/missing'] });
    assert.deepEqual([none.status, none.text], [404, 'Read error: Not found']);
    assert.match(none.type, /^text\/plain/);
    await control(sim, 'POST', '/__sim/switches', { errorContentType: 'text/html' });
    assert.match((await call(sim, 'POST', '/api/read/', { token: admin, body: ['/missing'] })).type, /^text\/html/);
    await control(sim, 'POST', '/__sim/switches', { errorContentType: 'text/plain' });
    const bad = await call(sim, 'POST', '/api/read/', { token: admin, raw: '{"not json' });
    assert.deepEqual([bad.status, bad.text], [400, 'Error: invalid JSON request: {"not json']);
  });

  test('GET /api/read/:ids crashes with 500 when authorMode is on, and works when it is off', async () => {
    const r = await call(sim, 'GET', `/api/read/${encodeURIComponent('/Alpha')}`, { token: admin });
    assert.equal(r.status, 500);
    assert.match(r.text, /TypeError/);
    await control(sim, 'POST', '/__sim/switches', { authorMode: false });
    try {
      const ok = await call(sim, 'GET', `/api/read/${encodeURIComponent('/Alpha')},${encodeURIComponent('/Bravo')}`, { token: admin });
      assert.equal(ok.status, 200);
      assert.deepEqual((ok.json as Json[]).map((n) => n._id), ['/Alpha', '/Bravo']);
    } finally {
      await control(sim, 'POST', '/__sim/switches', { authorMode: true });
    }
  });

  test('authorMode: a non-admin reads null for nodes others wrote; an admin reads them all', async () => {
    const ids = ['/hostile/alice-only', '/Alpha'];
    const nodes = sim.state.nodes;
    assert.notEqual(nodes.get('/Alpha')!.author, 'alice', 'fixture: /Alpha is not alice’s');
    const asAlice = await call(sim, 'POST', '/api/read/', { token: alice, body: ids });
    assert.equal(asAlice.status, 207);
    assert.deepEqual((asAlice.json as Array<Json | null>).map((n) => n?._id ?? null), ['/hostile/alice-only', null]);
    const asAdmin = await call(sim, 'POST', '/api/read/', { token: admin, body: ids });
    assert.equal(asAdmin.status, 200);
  });

  test('text search: k:v equality or /regex/flags, comparisons on strings (time>0 finds nothing), * for all', async () => {
    const s = async (q: string) => (await call(sim, 'GET', `/api/search/${encodeURIComponent(q)}`, { token: admin })).json as string[];
    assert.deepEqual(await s('time>0'), []);
    assert.deepEqual(await s('type:project'), ['/Alpha', '/Bravo', '/Charlie']);
    assert.deepEqual(await s('_id:/^\\/bravo$/i'), ['/Bravo']);
    assert.equal((await s('*')).length, sim.state.nodes.size);
    assert.deepEqual(await s('type:project title:Project_Alpha'), [], 'terms are ANDed');
    assert.deepEqual(await s('type:project _id>/B'), ['/Bravo', '/Charlie']);
    const one = await call(sim, 'GET', `/api/search_one/${encodeURIComponent('type:project')}`, { token: admin });
    assert.equal((one.json as Json)._id, '/Alpha');
  });

  test('graph: the ids, their links’ sources and the link nodes', async () => {
    const link = [...sim.state.nodes.values()].find((n) => typeof n.tgt_id === 'string')!;
    const r = await call(sim, 'GET', `/api/graph/1/${encodeURIComponent(link.tgt_id as string)}`, { token: admin });
    assert.equal(r.status, 200);
    const got = r.json as Json[];
    const ids = got.map((n) => n._id);
    assert.ok(ids.includes(link.tgt_id) && ids.includes(link.src_id) && ids.includes(String(link._id)), ids.join(', '));
    const post = await call(sim, 'POST', '/api/graph/0', { token: admin, body: [link.tgt_id] });
    assert.equal(post.status, 200);
  });
});

describe('damas sim: writes', () => {
  let sim: RunningDamasSim;
  let admin: string;
  let alice: string;
  let clock = Date.UTC(2024, 0, 1);
  before(async () => {
    sim = await startDamasSim({ seed: 13, now: () => clock });
    admin = await signIn(sim, 'backup');
    alice = await signIn(sim, 'alice');
  });
  after(() => sim.close());

  test('create sets author and time; no _id gets a 24-hex ObjectId; an existing one is 409; a partial one 207', async () => {
    const r = await call(sim, 'POST', '/api/create/', { token: admin, body: { _id: '/New/shot.mov', comment: 'x' } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { author: 'backup', time: clock, _id: '/New/shot.mov', comment: 'x' });
    const gen = await call(sim, 'POST', '/api/create/', { token: admin, body: [{ comment: 'no id' }] });
    assert.match((gen.json as Json[])[0]!._id as string, /^[0-9a-f]{24}$/);
    const conflict = await call(sim, 'POST', '/api/create/', { token: admin, body: { _id: '/New/shot.mov' } });
    assert.deepEqual([conflict.status, conflict.text], [409, 'Create error: Conflict']);
    const partial = await call(sim, 'POST', '/api/create/', { token: admin, body: [{ _id: '/New/shot.mov' }, { _id: '/New/other' }] });
    assert.equal(partial.status, 207);
    // restricted_keys: a non-admin cannot set author or time.
    const byAlice = await call(sim, 'POST', '/api/create/', { token: alice, body: { _id: '/New/alice', author: 'root', time: 1 } });
    assert.deepEqual([(byAlice.json as Json).author, (byAlice.json as Json).time], ['alice', clock]);
  });

  test('update sets keys, null unsets one, time is not refreshed; 404 for a missing node; 400 with fewer than 2 keys', async () => {
    clock += 5000;
    const r = await call(sim, 'PUT', '/api/update/', { token: admin, body: { _id: '/New/shot.mov', comment: null, status: 'final' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { author: 'backup', time: clock - 5000, _id: '/New/shot.mov', status: 'final' });
    assert.equal((await call(sim, 'PUT', '/api/update/', { token: admin, body: { _id: '/nope', a: 1 } })).status, 404);
    assert.equal((await call(sim, 'PUT', '/api/update/', { token: admin, body: { _id: '/New/shot.mov' } })).status, 400);
    // A user may not update (editor and up), except its own nodes under authorMode.
    assert.equal((await call(sim, 'PUT', '/api/update/', { token: alice, body: { _id: '/New/alice', a: 1 } })).status, 200);
    const others = await call(sim, 'PUT', '/api/update/', { token: alice, body: { _id: '/New/shot.mov', a: 1 } });
    assert.deepEqual(others.json, 'null');
    assert.equal(sim.state.nodes.get('/New/shot.mov')!.a, undefined);
  });

  test('upsert crashes under authorMode (the permission filter reads the nodes as ids) and works without it', async () => {
    assert.equal((await call(sim, 'POST', '/api/upsert/', { token: admin, body: { _id: '/New/up', a: 1 } })).status, 500);
    await control(sim, 'POST', '/__sim/switches', { authorMode: false });
    try {
      const made = await call(sim, 'POST', '/api/upsert/', { token: admin, body: { _id: '/New/up', a: 1 } });
      assert.equal(made.status, 200);
      const again = await call(sim, 'POST', '/api/upsert/', { token: admin, body: { _id: '/New/up', a: 2 } });
      assert.equal((again.json as Json).a, 2);
      assert.equal((await call(sim, 'POST', '/api/upsert/', { token: alice, body: { _id: '/New/up', a: 3 } })).status, 403);
    } finally {
      await control(sim, 'POST', '/__sim/switches', { authorMode: true });
    }
  });

  test('delete answers the id(s); 404 when none existed; lock is broken (500)', async () => {
    const r = await call(sim, 'DELETE', '/api/delete/', { token: admin, body: '/New/other' });
    assert.deepEqual([r.status, r.json], [200, '/New/other']);
    assert.deepEqual([(await call(sim, 'DELETE', '/api/delete/', { token: admin, body: ['/New/other'] })).status], [404]);
    const lock = await call(sim, 'PUT', '/api/lock/', { token: admin, body: ['/Alpha'] });
    assert.equal(lock.status, 500);
    assert.match(lock.text, /routes\.update is not a function/);
  });

  test('hostile ids are kept exactly: reserved characters, dot segments, NFC and NFD twins, case twins, 24-hex ids become ObjectIds', async () => {
    for (const id of HOSTILE_IDS) {
      const r = await call(sim, 'POST', '/api/read/', { token: admin, body: [id] });
      assert.equal(r.status, 200, `${JSON.stringify(id)}: ${r.text}`);
      assert.equal((r.json as Json[])[0]!._id, id);
    }
    assert.notEqual('/hostile/caf\u00e9.txt', '/hostile/cafe\u0301.txt');
    const upper = 'ABCDEF0123456789ABCDEF01';
    const made = await call(sim, 'POST', '/api/create/', { token: admin, body: { _id: upper } });
    assert.equal((made.json as Json)._id, upper.toLowerCase(), 'stored as an ObjectId, served as lower-case hex');
    const found = await call(sim, 'POST', '/api/search_mongo/', { token: admin, body: { query: { _id: upper.toLowerCase() } } });
    assert.deepEqual((found.json as { ids: string[] }).ids, []);
  });
});

test('the generator is deterministic by seed, and its counts are honoured', () => {
  const users = defaultUsers(5);
  const a = generateNodes(5, { ...defaultCounts, assets: 30 }, users);
  const b = generateNodes(5, { ...defaultCounts, assets: 30 }, users);
  const c = generateNodes(6, { ...defaultCounts, assets: 30 }, defaultUsers(6));
  assert.equal(JSON.stringify(a.nodes), JSON.stringify(b.nodes));
  assert.notEqual(JSON.stringify(a.nodes), JSON.stringify(c.nodes));
  const assets = a.nodes.filter((n) => typeof n._id === 'string' && (n._id as string).split('/').length > 2 && !(n._id as string).startsWith('/hostile/') && !(n._id as string).startsWith('/REGEX_'));
  assert.equal(assets.length, 30);
  assert.ok(a.nodes.some((n) => n['#parent'] !== undefined), 'children');
  assert.ok(a.nodes.some((n) => n.src_id !== undefined && n.tgt_id !== undefined), 'links');
  const big = generateNodes(1, { projects: 10, assets: 20_000, childrenPerAsset: 2, links: 1000, hostile: true }, users);
  assert.ok(big.nodes.length > 20_000);
});
