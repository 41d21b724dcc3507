// damas-core as a configured source of `workspace-backup sync`: the password from the environment, the nodes in the
// repo, nothing secret in the output, and a non-admin account refused with a clear error.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { gitFiles, runCli, tempDir, writeConfig } from '../helpers/env.ts';

describe('sync with a damas source', () => {
  let sim: RunningDamasSim;
  before(async () => {
    sim = await startDamasSim({ seed: 9 });
  });
  after(() => sim.close());

  test('backs up every node with the password taken from WORKSPACE_BACKUP_DAMAS_PASSWORD, and never prints it or its hash', async () => {
    const root = await tempDir('wb-cli-damas-');
    const repo = join(root, 'repo');
    const config = await writeConfig(root, { 'repo-path': repo, sources: [{ type: 'damas', url: sim.url, username: 'backup' }] });
    const user = sim.user('backup');
    const r = await runCli(['sync', '--config', config, '--json', '--debug'], { env: { WORKSPACE_BACKUP_DAMAS_PASSWORD: user.password } });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { source: string; complete: boolean; documents: { added: number } };
    assert.equal(report.source, 'damas');
    assert.equal(report.complete, true);
    const files = gitFiles(repo).filter((f) => f.startsWith('damas/') && f.endsWith('.json'));
    assert.equal(files.length, report.documents.added);
    assert.ok(files.length >= 10, `${files.length} node files`);
    const everything = r.stdout + r.stderr + files.map((f) => readFileSync(join(repo, f), 'utf8')).join('');
    assert.ok(!everything.includes(user.password), 'the password appears nowhere');
    const hash = createHash(user.hash).update(user.password).digest('hex');
    assert.ok(!everything.includes(hash), 'the password hash appears nowhere');
  });

  test('a non-admin account stops the source with exit 5 and says why', async () => {
    const root = await tempDir('wb-cli-damas-user-');
    const config = await writeConfig(root, { 'repo-path': join(root, 'repo'), sources: [{ type: 'damas', url: sim.url, username: 'alice', password: sim.user('alice').password }] });
    const r = await runCli(['sync', '--config', config]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /not an admin/);
  });

  test('a damas source without password or token is a configuration error (exit 2)', async () => {
    const root = await tempDir('wb-cli-damas-cfg-');
    const config = await writeConfig(root, { 'repo-path': join(root, 'repo'), sources: [{ type: 'damas', url: sim.url, username: 'backup' }] });
    const r = await runCli(['sync', '--config', config], { env: { WORKSPACE_BACKUP_DAMAS_PASSWORD: '' } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /password/);
  });
});
