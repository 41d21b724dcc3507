// A download whose body is consumed slowly (undici's HTTP/1 parser paused by backpressure) while the server resets or
// closes a `Connection: close` response mid-body must end in an ordinary, retryable error. undici 7.x instead throws
// an uncatchable AssertionError (`assert(!this.paused)` in Parser.finish, nodejs/undici#5360, fixed in 8.x by
// nodejs/undici#5474) from the socket's event handler, which kills the whole backup process. Found by the fault
// campaign; runs in a child process so a crash fails this test instead of the test runner. The project requires
// undici >= 8.12; this test fails if an older one comes back.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/env.ts';

const undiciVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/undici/package.json'), 'utf8')) as { version: string }).version;

for (const kind of ['reset', 'short'] as const) {
  test(`slowly read downloads cut by a ${kind === 'reset' ? 'connection reset (RST)' : 'closed connection (FIN)'} end in ordinary errors, not a crash`, { timeout: 120_000 }, () => {
    const child = spawnSync(process.execPath, [join(repoRoot, 'test/reliability/backpressure-child.ts'), kind, '40'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 110_000,
    });
    const crash = /AssertionError[^\n]*\n[^\n]*\n\s*(assert\([^)]*\))/.exec(child.stderr)?.[1];
    assert.equal(child.status, 0, `the process died (undici ${undiciVersion})${crash ? ` on ${crash}` : ''}: ${child.stderr.slice(0, 600)}`);
    assert.equal(child.stdout.trim(), 'survived 320');
  });
}
