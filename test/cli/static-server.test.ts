// The local site server serves the site and nothing outside it.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveInside, serveStatic } from '../../src/cli/static-server.ts';
import { tempDir } from '../helpers/env.ts';

/** A raw GET that sends the path exactly as given (fetch would normalise ../ away). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves files and index.html, refuses every way out of the root', async () => {
  const root = await tempDir('wb-serve-');
  const site = join(root, 'site');
  mkdirSync(join(site, 'w'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(site, 'w', '1.html'), '<h1>ws</h1>');
  writeFileSync(join(root, 'secret.txt'), 'do not serve');
  const { server, url } = await serveStatic(site, 0);
  try {
    assert.equal((await rawGet(url, '/')).body, '<h1>home</h1>');
    assert.equal((await rawGet(url, '/w/1.html')).body, '<h1>ws</h1>');
    for (const evil of ['/../secret.txt', '/%2e%2e/secret.txt', '/w/..%2f..%2fsecret.txt', '/%00', '/..\\secret.txt', '/%E0%A4%A']) {
      const r = await rawGet(url, evil);
      assert.ok(r.status === 400 || r.status === 404, `${evil} → ${r.status}`);
      assert.ok(!r.body.includes('do not serve'), evil);
    }
  } finally {
    server.close();
  }
  assert.equal(resolveInside('/srv/site', '/a/../../etc/passwd'), undefined);
  assert.equal(resolveInside('/srv/site', '/a/b.html'), '/srv/site/a/b.html');
});
