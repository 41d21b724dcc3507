// The ProSonata connector's answers to refusals and faults: refused credentials are an AuthError; a personal key
// without admin rights fails `users` with that reason (never an empty resource) while the rest backs up; a wrong base
// URL says so; 5xx, resets and cut bodies are retried; and no key ever reaches a log line or an error message.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ProsonataConnector } from '../../src/connectors/prosonata/index.ts';
import { parseProsonataSettings } from '../../src/connectors/prosonata/settings.ts';
import { AuthError, ServiceError } from '../../src/lib/errors.ts';
import { setSwitches, startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { captureLogger, connectorFor, contents, control, expected, fastRetry, listAll, rawSettings } from './prosonata-helpers.ts';

let sim: RunningProsonataSim;
before(async () => {
  sim = await startProsonataSim({ seed: 12, counts: { projecttimes: 2300 }, switches: { apiLimit: 100_000 } });
});
after(async () => {
  await sim.close();
});

async function requestCount(): Promise<number> {
  return ((await control(sim, 'GET', '/__sim/requests')) as unknown[]).length;
}

describe('credentials', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a wrong App-Integration key', { 'api-key': 'ps-app-key-wrong' }, /check app-id and api-key/],
    ['a wrong App-ID', { 'app-id': '999' }, /check app-id and api-key/],
    ['a personal key that does not exist', { 'app-id': '', 'api-key': 'ps-user-key-nobody' }, /check api-key \(a personal API key/],
  ];
  for (const [what, extra, hint] of cases) {
    test(`${what}: AuthError on the first call, naming what to check`, async () => {
      const c = connectorFor(sim, 'app', extra);
      try {
        await assert.rejects(c.listContainers(), (e: unknown) => e instanceof AuthError && hint.test(e.message) && /401/.test(e.message));
        // listItems checks the credentials first, too: an AuthError (which stops the run), never a failed resource.
        await assert.rejects(listAll(c, 'projects'), AuthError);
      } finally {
        await c.close();
      }
    });
  }
});

describe('a personal key without admin rights', () => {
  for (const forbiddenStatus of [403, 401] as const) {
    test(`users fails with the missing admin rights as the reason (answered ${forbiddenStatus}); the other resources list fully`, async () => {
      setSwitches(sim.state, { forbiddenStatus });
      const { logger, lines } = captureLogger();
      const c = connectorFor(sim, 'teamlead', {}, { logger });
      try {
        const containers = await c.listContainers();
        assert.ok(containers.some((x) => x.id === 'users'));
        const yielded: unknown[] = [];
        await assert.rejects(
          (async () => {
            for await (const i of c.listItems({ id: 'users', name: 'users', archived: false })) yielded.push(i);
          })(),
          (e: unknown) =>
            e instanceof ServiceError &&
            !(e instanceof AuthError) &&
            e.status === forbiddenStatus &&
            /the API key lacks admin rights for users/.test(e.message) &&
            /Teamlead2 \(Teamleiter\)/.test(e.message) &&
            /Nothing in users is treated as deleted/.test(e.message),
        );
        assert.equal(yielded.length, 0);
        // A Teamleiter sees every time entry and quotation.
        for (const [resource, pk] of [['projecttimes', 'timeID'], ['quotations', 'quotationID'], ['customers', 'customerID']] as const) {
          const items = await listAll(c, resource);
          assert.deepEqual(await contents(c, items), await expected(sim, resource, pk), resource);
        }
        assert.ok(lines.some((l) => l.level === 'warn' && /personal key of Teamlead2 \(Teamleiter\)/.test(l.line) && /App-Integration/.test(l.line)));
      } finally {
        setSwitches(sim.state, { forbiddenStatus: 403 });
        await c.close();
      }
    });
  }

  test('a key of the lowest group: a resource its group may not read fails with the rights as the reason', async () => {
    const { logger, lines } = captureLogger();
    const c = connectorFor(sim, 'timekeeper', {}, { logger });
    try {
      await c.listContainers();
      await assert.rejects(listAll(c, 'quotations'), (e: unknown) => e instanceof ServiceError && /lacks the rights for quotations/.test(e.message) && /Zeit3/.test(e.message));
      // It sees only its own time entries: that is why it is warned about.
      const own = await listAll(c, 'projecttimes');
      assert.ok(own.length > 0 && own.length < sim.state.tables.projecttimes.rows.size);
      assert.ok(lines.some((l) => l.level === 'warn' && /only their own time entries/.test(l.line)));
    } finally {
      await c.close();
    }
  });

  test('an App-Integration gets no warning', async () => {
    const { logger, lines } = captureLogger();
    const c = connectorFor(sim, 'app', {}, { logger });
    try {
      assert.equal((await c.identity()).kind, 'app');
      assert.equal((await listAll(c, 'users')).length, sim.state.tables.users.rows.size);
      assert.equal(lines.filter((l) => l.level === 'warn').length, 0);
    } finally {
      await c.close();
    }
  });
});

describe('where the API is not', () => {
  test('a wrong base URL (an HTML 404 page): a ServiceError that says the URL is wrong, without retrying', async () => {
    const c = new ProsonataConnector(parseProsonataSettings(rawSettings(sim, 'app', { url: `${sim.url}/prosonata` })), fastRetry);
    try {
      const before = await requestCount();
      await assert.rejects(
        c.listContainers(),
        (e: unknown) =>
          e instanceof ServiceError &&
          !(e instanceof AuthError) &&
          /base URL looks wrong/.test(e.message) &&
          /HTML page \("404 Seite nicht gefunden \| ProSonata"\)/.test(e.message) &&
          e.message.includes(`${sim.url}/prosonata/api/v1`),
      );
      assert.equal((await requestCount()) - before, 1);
    } finally {
      await c.close();
    }
  });

  test('a redirect is not followed (the key would go along); an HTML 200 page is retried, then named', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      if (req.url?.startsWith('/moved/')) res.writeHead(301, { location: 'https://elsewhere.example/login' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Wartungsarbeiten</title></head></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const moved = new ProsonataConnector(parseProsonataSettings({ url: `${url}/moved`, 'api-key': 'k-1234' }), fastRetry);
    const maintenance = new ProsonataConnector(parseProsonataSettings({ url, 'api-key': 'k-1234' }), fastRetry);
    try {
      await assert.rejects(moved.listContainers(), (e: unknown) => e instanceof ServiceError && /redirected .* \(301 to https:\/\/elsewhere\.example\/login\)/.test(e.message));
      assert.equal(hits, 1);
      await assert.rejects(
        maintenance.listContainers(),
        (e: unknown) => e instanceof ServiceError && /with 200 and an HTML page \("Wartungsarbeiten"\) \(the same after 3 tries/.test(e.message),
      );
      assert.equal(hits, 4);
    } finally {
      await Promise.all([moved.close(), maintenance.close()]);
      server.close();
    }
  });

  test('nothing listening at the URL: a ServiceError after the retries', async () => {
    const c = new ProsonataConnector(parseProsonataSettings(rawSettings(sim, 'app', { url: 'http://127.0.0.1:9' })), fastRetry);
    try {
      await assert.rejects(c.listContainers(), (e: unknown) => e instanceof ServiceError && /Could not reach ProSonata/.test(e.message));
    } finally {
      await c.close();
    }
  });

  test('a resource the account has no list of (invoices): that resource fails, saying so', async () => {
    const c = connectorFor(sim, 'app', { resources: 'projects, invoices' });
    try {
      await c.listContainers();
      await assert.rejects(listAll(c, 'invoices'), (e: unknown) => e instanceof ServiceError && /no list of invoices/.test(e.message) && /remove it from resources/.test(e.message));
      setSwitches(sim.state, { invoicesList: true });
      assert.equal((await listAll(c, 'invoices')).length, sim.state.tables.invoices.rows.size);
    } finally {
      setSwitches(sim.state, { invoicesList: false });
      await c.close();
    }
  });

  for (const emptyList of ['empty', 'notFound'] as const) {
    test(`an empty resource is an empty listing, also when the service answers 404 "Data not found." (${emptyList})`, async () => {
      const empty = await startProsonataSim({ seed: 3, counts: { servicetemplates: 0, projecttimes: 2000 }, switches: { emptyList } });
      const c = connectorFor(empty, 'app');
      try {
        assert.deepEqual(await listAll(c, 'servicetemplates'), []);
        // Exactly two pages: the walk never asks for the page past the end.
        assert.equal((await listAll(c, 'projecttimes')).length, 2000);
        assert.equal(empty.stats().byStatus['404'] ?? 0, emptyList === 'notFound' ? 1 : 0);
      } finally {
        await c.close();
        await empty.close();
      }
    });
  }
});

describe('faults', () => {
  test('500, 502, 503, an HTML 500, a reset and a cut body are retried; the listing is exact', async () => {
    const { logger, lines } = captureLogger();
    // The six faults come one after another on the first page: seven attempts needed.
    const c = connectorFor(sim, 'app', {}, { logger, retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 20 } });
    try {
      await c.listContainers();
      const rules = ['500', '502', '503', 'html-500', 'reset', 'short'].map((kind) => ({ path: '^/api/v1/projecttimes$', kind, count: 1 }));
      await control(sim, 'POST', '/__sim/faults', { rules });
      const items = await listAll(c, 'projecttimes');
      const status = (await control(sim, 'GET', '/__sim/faults')) as { fired: number[] };
      assert.deepEqual(status.fired, [1, 1, 1, 1, 1, 1]);
      assert.deepEqual(await contents(c, items), await expected(sim, 'projecttimes', 'timeID'));
      assert.ok(lines.filter((l) => /^retrying GET \/api\/v1\/projecttimes/.test(l.line)).length >= 6);
    } finally {
      await control(sim, 'DELETE', '/__sim/faults');
      await c.close();
    }
  });

  test('a fault that does not go away fails the resource after the configured attempts', async () => {
    const c = connectorFor(sim, 'app');
    try {
      await c.listContainers();
      await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/api/v1/projects$', kind: '503' }] });
      const before = await requestCount();
      await assert.rejects(listAll(c, 'projects'), (e: unknown) => e instanceof ServiceError && /answered 503/.test(e.message));
      assert.equal((await requestCount()) - before, fastRetry.retry.attempts);
    } finally {
      await control(sim, 'DELETE', '/__sim/faults');
      await c.close();
    }
  });
});

describe('secrets', () => {
  test('no key in any log line (debug on) or error message, and never in a URL', async () => {
    const { logger, lines } = captureLogger();
    const messages: string[] = [];
    const catching = async (p: Promise<unknown>) => p.catch((e: Error) => void messages.push(e.message, String(e.cause ?? '')));
    const cred = sim.credentials;
    const keys = [cred.appKey, ...cred.personalKeys.map((k) => k.key), 'ps-app-key-typo-secret'];
    const make = (kind: 'app' | 'teamlead', extra: Record<string, unknown> = {}) => connectorFor(sim, kind, extra, { logger });
    const good = make('app');
    const teamlead = make('teamlead');
    const wrong = make('app', { 'api-key': 'ps-app-key-typo-secret' });
    const limited = new ProsonataConnector(parseProsonataSettings(rawSettings(sim, 'app')), { logger, maxRateLimited: 0 });
    const misplaced = new ProsonataConnector(parseProsonataSettings(rawSettings(sim, 'app', { url: `${sim.url}/x` })), { logger });
    try {
      await control(sim, 'DELETE', '/__sim/requests');
      await good.listContainers();
      await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/api/v1/projects$', kind: '500', count: 2 }] });
      await listAll(good, 'projects');
      await catching(wrong.listContainers());
      await catching(listAll(teamlead, 'users'));
      setSwitches(sim.state, { apiLimit: 0 });
      await catching(limited.listContainers());
      setSwitches(sim.state, { apiLimit: 100_000 });
      await catching(misplaced.listContainers());

      assert.ok(lines.length > 5 && lines.some((l) => l.level === 'debug'));
      assert.ok(messages.length >= 4);
      for (const text of [...lines.map((l) => l.line), ...messages]) {
        for (const key of keys) assert.ok(!text.includes(key), `a key in: ${text}`);
      }
      const requests = (await control(sim, 'GET', '/__sim/requests')) as Array<{ query: string; auth: string }>;
      assert.ok(requests.length > 5);
      for (const r of requests) assert.doesNotMatch(r.query, /apiKey|appID/i);
    } finally {
      setSwitches(sim.state, { apiLimit: 100_000 });
      await control(sim, 'DELETE', '/__sim/faults');
      await Promise.all([good, teamlead, wrong, limited, misplaced].map((c) => c.close()));
    }
  });
});
