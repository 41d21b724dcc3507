// The Action at its limits: a time budget too small for the work, and two runs racing to one remote.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createActionHarness, type ActionHarness } from '../helpers/action-harness.ts';
import { git } from '../helpers/env.ts';

describe('the Action at its limits', () => {
  let h: ActionHarness;
  before(async () => {
    h = await createActionHarness({ seed: 42, documents: 40, hostileNames: false, switches: { latencyMs: 60 } });
  });
  after(() => h?.close());

  test('a max-run-minutes too small for the work ends complete: false with a green job, and the next run finishes the rest', async () => {
    const first = await h.runAction({ 'max-run-minutes': '0.02', concurrency: '1' });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(first.outputs.complete, 'false');
    assert.match(first.summary, /left for the next run \| [1-9]/);
    assert.match(first.summary, /time budget \(max-run-minutes\) was reached/);
    const done = Number(first.outputs['documents-added']);
    // What was done was pushed.
    assert.equal(git(h.remote, 'rev-parse', 'main').trim(), first.outputs['commit-sha']);
    const second = await h.runAction({});
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(second.outputs.complete, 'true');
    assert.ok(Number(second.outputs['documents-added']) > 0);
    assert.equal(done + Number(second.outputs['documents-added']), 40, `${done} + ${second.outputs['documents-added']}: every document counted once`);
  });

  test('two runs against one remote at once: one lands, the other fails clearly, and the remote stays whole', async () => {
    await h.fx.control.switches({ latencyMs: 0 });
    const dump = await h.fx.control.state();
    const ws = dump.workspaces.find((w) => !w.archived)!;
    await h.fx.control.mutate({ op: 'add', workspaceId: ws.id, parentId: null, kind: 'document', name: 'Race.bin', size: 3 * 1024 * 1024 });
    const before = git(h.remote, 'rev-parse', 'main').trim();
    const [a, b] = await Promise.all([h.runAction({}), h.runAction({})]);
    const results = [a, b].map((r) => r.code);
    assert.ok(results.includes(0), `one run lands: ${a.stderr} ${b.stderr}`);
    const loser = [a, b].find((r) => r.code !== 0);
    if (loser) assert.match(loser.stdout + loser.stderr, /another run pushed to main first/);
    const after = git(h.remote, 'rev-parse', 'main').trim();
    assert.notEqual(after, before);
    assert.equal(git(h.remote, 'merge-base', '--is-ancestor', before, after), '', 'no commit was lost (fast-forward only)');
    git(h.remote, 'fsck', '--no-progress');
    // Every LFS pointer on the remote has its object (LFS objects are pushed before refs).
    const pointers = git(h.remote, 'grep', '-l', 'oid sha256:', 'main', '--').trim().split('\n').filter(Boolean);
    for (const p of pointers) {
      const oid = /oid sha256:([0-9a-f]{64})/.exec(git(h.remote, 'cat-file', 'blob', p))![1]!;
      assert.ok(git(h.remote, 'rev-parse', '--git-path', `lfs/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`).trim(), oid);
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      assert.ok(existsSync(join(h.remote, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)), `LFS object ${oid} on the remote`);
    }
    // And the next run completes whatever the loser could not push.
    const next = await h.runAction({});
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(next.outputs.complete, 'true');
  });
});
