// The Projectplace connector against hostile answers: every listing validated, errors that name the endpoint and what
// was wrong (short, no bodies), retries only for what may be transient, and paging that cannot loop.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { pageOverlap, ProjectplaceConnector, type ProjectplaceSettings } from '../../src/connectors/projectplace/index.ts';
import { describeNonJson } from '../../src/connectors/projectplace/describe.ts';
import type { Container, Item } from '../../src/engine/model.ts';
import { ServiceError } from '../../src/lib/errors.ts';
import { startSim, type SimFixture } from '../helpers/env.ts';

let fx: SimFixture;
before(async () => {
  fx = await startSim({ seed: 41, documents: 20, workspaces: 5 });
});
after(() => fx.close());
afterEach(async () => {
  await fx.control.clearFaults();
  await fx.control.clearRequests();
});

function connector(settings: Partial<ProjectplaceSettings> = {}): ProjectplaceConnector {
  const c = fx.sim.credentials;
  return new ProjectplaceConnector(
    { host: fx.sim.url, auth: { kind: 'oauth1', consumerKey: c.consumerKey, consumerSecret: c.consumerSecret, accessToken: c.accessToken, accessTokenSecret: c.accessTokenSecret }, ...settings },
    { retry: { attempts: 6, baseDelayMs: 5, maxDelayMs: 20 } },
  );
}

async function items(conn: ProjectplaceConnector, ws: Container): Promise<Item[]> {
  const out: Item[] = [];
  for await (const i of conn.listItems(ws)) out.push(i);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ServiceError, `a ServiceError, not ${(e as Error).name}: ${(e as Error).message}`);
    assert.ok(e.message.length <= 400, `short message (${e.message.length}): ${e.message}`);
    for (const secret of Object.values(fx.sim.credentials)) assert.ok(!e.message.includes(secret), 'no credential in the message');
    return e;
  }
  assert.fail('expected a rejection');
}

const requestsTo = async (re: RegExp) => (await fx.control.requests()).filter((r) => re.test(r.path)).length;

describe('what came instead of JSON, in a few words', () => {
  const parse = (t: string) => {
    try {
      JSON.parse(t);
    } catch (e) {
      return e;
    }
    throw new Error('parsed');
  };
  test('empty, HTML, cut short, invalid', () => {
    assert.equal(describeNonJson('', 'application/json', parse('')), 'an empty body instead of JSON');
    assert.equal(describeNonJson('  \n', undefined, parse('  \n')), 'an empty body instead of JSON');
    assert.match(describeNonJson('<html><title>Down for maintenance</title>' + 'x'.repeat(5000), 'text/html', parse('<')), /^an HTML page instead of JSON .*: "Down for maintenance"$/);
    assert.match(describeNonJson('<p>' + 'x'.repeat(5000), 'text/plain', parse('<')), /^an HTML page/);
    assert.ok(describeNonJson('<p>' + 'x'.repeat(5000), 'text/plain', parse('<')).length < 200);
    assert.equal(describeNonJson('{"a":[1,', 'application/json', parse('{"a":[1,')), 'JSON that ends after 8 bytes, in the middle of a value (cut short?)');
    const invalid = '{"a":1,}' + ' '.repeat(3000);
    const d = describeNonJson(invalid, 'application/json', parse(invalid));
    assert.match(d, /^invalid JSON \(Expected double-quoted property name in JSON at byte 7\) starting \{"a":1,\}/);
    assert.ok(d.length < 200);
    assert.equal(describeNonJson(invalid, 'application/json', parse(invalid), { excerpt: false }), 'invalid JSON (Expected double-quoted property name in JSON at byte 7)');
    assert.equal(describeNonJson('<p>secret', 'text/html', parse('<'), { excerpt: false }), 'an HTML page instead of JSON (a proxy or maintenance page?)');
  });
});

describe('the workspace list', () => {
  test('a page repeated at the next row_number is an error after two pages, not a loop', async () => {
    await fx.control.faults([{ path: '^/2/account/projects$', kind: 'repeat-page' }]);
    const e = await rejection(connector({ pageSize: 2 }).listContainers());
    assert.match(e.message, /^Projectplace's list of active workspaces \(POST \/2\/account\/projects\) gave the same workspaces again at row_number 2/);
    assert.equal(await requestsTo(/^\/2\/account\/projects$/), 2);
  });

  test('paging that never ends stops at the page cap with an error', async () => {
    await fx.control.faults([{ path: '^/2/account/projects$', kind: 'endless-pages' }]);
    const e = await rejection(connector({ pageSize: 3, maxWorkspacePages: 7 }).listContainers());
    assert.match(e.message, /did not end after 7 pages of 3 \(21 workspaces\)/);
    assert.equal(await requestsTo(/^\/2\/account\/projects$/), 7);
  });

  test('the default cap bounds it too (1000 pages)', async () => {
    await fx.control.faults([{ path: '^/2/account/projects$', kind: 'endless-pages' }]);
    const e = await rejection(connector({ pageSize: 1 }).listContainers());
    assert.match(e.message, /did not end after 1000 pages of 1/);
  });

  test('small pages without faults still list every workspace once', async () => {
    const all = await connector({ pageSize: 1 }).listContainers();
    assert.equal(all.length, 5);
    assert.equal(new Set(all.map((c) => c.id)).size, 5);
  });

  test('a workspace archived between two page requests moves the rest up a row: every workspace is still listed', async () => {
    const own = await startSim({ seed: 43, documents: 24, workspaces: 12 });
    try {
      const c = own.sim.credentials;
      const list = (pageSize: number) =>
        new ProjectplaceConnector(
          { host: own.sim.url, auth: { kind: 'oauth1', consumerKey: c.consumerKey, consumerSecret: c.consumerSecret, accessToken: c.accessToken, accessTokenSecret: c.accessTokenSecret }, pageSize },
          { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
        ).listContainers();
      const before = await list(100);
      const active = before.filter((w) => !w.archived);
      assert.ok(active.length >= 6, `enough active workspaces for two pages of 4 (${active.length})`);
      assert.equal(pageOverlap(4), 1);
      // Page 1 holds the first 4 active workspaces; the first of them is archived just before page 2 is served.
      await own.control.triggers([
        { path: '^/2/account/projects$', method: 'POST', nth: 2, when: 'before', mutations: [{ op: 'archiveWorkspace', workspaceId: Number(active[0]!.id), archived: true }] },
      ]);
      const during = await list(4);
      assert.deepEqual(during.map((w) => w.id).sort(), before.map((w) => w.id).sort(), 'no workspace missing, none twice');
      assert.equal(during.find((w) => w.id === active[0]!.id)?.archived, true, 'the archived one is listed as archived');
      // Pages of 4 from row 0, 3, 6, …: one more request than pages that only meet.
      const calls = (await own.control.requests()).filter((r) => r.path === '/2/account/projects').length;
      assert.ok(calls > Math.ceil(before.length / 4), `${calls} requests`);
    } finally {
      await own.close();
    }
  });

  test('pages share a tenth of their rows, 1 to 10, none under 4 rows', () => {
    assert.deepEqual([1, 2, 3, 4, 9, 10, 20, 55, 100, 500].map(pageOverlap), [0, 0, 0, 1, 1, 1, 2, 5, 10, 10]);
  });

  test('wrong types are refused at once (no retry), naming the endpoint and the value', async () => {
    for (const [variant, re] of [
      ['id-object', /workspace entry 0 has an id that is not a plain number or word \(\{"id":\d+,"type":"Document"\}\)/],
      ['name-number', /workspace \d+ has a name that is not a string \(4711\)/],
      ['list-for-object', /workspace entry 0 is not an object/],
      ['object-for-list', /the workspace list is not a JSON array/],
    ] as const) {
      await fx.control.clearRequests();
      await fx.control.faults([{ path: '^/2/account/projects$', kind: 'wrong-types', variant }]);
      const e = await rejection(connector().listContainers());
      assert.match(e.message, /^Projectplace's answer to POST \/2\/account\/projects is unusable: /);
      assert.match(e.message, re);
      assert.equal(e.retryable, false);
      assert.equal(await requestsTo(/^\/2\/account\/projects$/), 1, `${variant}: not retried`);
    }
  });
});

describe('a workspace tree', () => {
  const tree = '^/1/projects/\\d+/documents$';

  test('an HTML 200 is tried three times, then an error naming the endpoint', async () => {
    const conn = connector();
    const [ws] = await conn.listContainers();
    await fx.control.faults([{ path: tree, kind: 'html-200' }]);
    const e = await rejection(items(conn, ws!));
    assert.match(e.message, new RegExp(`^Projectplace answered GET /1/projects/${ws!.id}/documents with 200 and an HTML page instead of JSON`));
    assert.match(e.message, /the same after 3 tries/);
    assert.equal(await requestsTo(/\/documents$/), 3);
  });

  test('a truncated answer that heals on the second try is a whole listing', async () => {
    const conn = connector();
    const [ws] = await conn.listContainers();
    const clean = await items(conn, ws!);
    await fx.control.faults([{ path: tree, kind: 'truncated-json', count: 1 }]);
    assert.deepEqual(await items(conn, ws!), clean);
  });

  test('wrong types anywhere in the tree: an error, and not one item yielded before it', async () => {
    const conn = connector();
    const [ws] = await conn.listContainers();
    for (const variant of ['id-object', 'name-number', 'list-for-object', 'object-for-list']) {
      await fx.control.faults([{ path: tree, kind: 'wrong-types', variant }]);
      const seen: Item[] = [];
      const e = await rejection(
        (async () => {
          for await (const i of conn.listItems(ws!)) seen.push(i);
        })(),
      );
      assert.match(e.message, new RegExp(`^Projectplace's answer to GET /1/projects/${ws!.id}/documents is unusable: `), variant);
      assert.deepEqual(seen, [], `${variant}: nothing yielded`);
    }
  });

  test('unknown fields are ignored: the same items as without them', async () => {
    const conn = connector();
    const [ws] = await conn.listContainers();
    const clean = await items(conn, ws!);
    await fx.control.faults([{ path: '^/(1|2)/', kind: 'extra-fields' }]);
    assert.deepEqual(await items(connector(), ws!), clean);
    assert.deepEqual((await connector().listContainers()).map((c) => c.id), (await conn.listContainers()).map((c) => c.id));
  });
});

describe('the member list', () => {
  test('a failed member list is not remembered: the next workspace asks again', async () => {
    const conn = connector();
    const [ws] = await conn.listContainers();
    await fx.control.faults([{ path: '^/1/account/members$', kind: 'empty-200', count: 3 }]);
    const e = await rejection(items(conn, ws!));
    assert.match(e.message, /GET \/1\/account\/members with 200 and an empty body/);
    assert.ok((await items(conn, ws!)).length > 0, 'the second listing fetches the members again and succeeds');
  });

  test('a member with a name of the wrong type is refused', async () => {
    await fx.control.faults([{ path: '^/1/account/members$', kind: 'wrong-types', variant: 'name-number' }]);
    const conn = connector();
    const [ws] = await conn.listContainers();
    const e = await rejection(items(conn, ws!));
    assert.match(e.message, /^Projectplace's answer to GET \/1\/account\/members is unusable: member \d+ has a name that is not a string \(4711\)/);
  });
});
