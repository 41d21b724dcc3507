// `workspace-backup verify` and `restore` as a user runs them: messages, JSON and exit codes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAtDate } from '../../src/cli/commands/restore.ts';
import { exitCodes } from '../../src/cli/exit-codes.ts';
import { lfsObjectPath } from '../../src/engine/store/lfs.ts';
import { git, manifest, oauth1Config, runCli, runSync, startSim, tempDir, writeConfig, type ManifestLine, type SimFixture } from '../helpers/env.ts';

describe('verify and restore on the command line', () => {
  let fx: SimFixture;
  let repo: string;
  let config: string;
  let doc: ManifestLine;
  let lfs: ManifestLine;
  before(async () => {
    fx = await startSim({ seed: 41, workspaces: 2, documents: 26, largeDocuments: [30_000] });
    repo = await tempDir('wb-cli-vr-');
    assert.equal((await runSync(fx.sim, repo, { lfsThreshold: 20_000 })).complete, true);
    config = await writeConfig(await tempDir('wb-cli-vr-conf-'), oauth1Config(fx.sim, repo, { 'lfs-threshold': 20_000 }));
    const m = [...manifest(repo).values()];
    doc = m.find((e) => e.kind === 'document' && !e.lfs && (e.size ?? 0) > 0)!;
    lfs = m.find((e) => e.kind === 'document' && e.lfs)!;
  });
  after(() => fx.close());

  test('the help names both commands and the exit code for a damaged backup', async () => {
    const r = await runCli(['--help']);
    assert.match(r.stdout, /verify --config/);
    assert.match(r.stdout, /restore --config/);
    assert.match(r.stdout, /6 verify found errors/);
    assert.match((await runCli(['verify', '--help'])).stdout, /--read-data/);
    assert.match((await runCli(['restore', '--help'])).stdout, /--workspace <ws>/);
  });

  test('verify of a good backup exits 0, by --config and by --repo, in words and in JSON', async () => {
    const words = await runCli(['verify', '--config', config, '--read-data']);
    assert.equal(words.code, exitCodes.ok, words.stderr + words.stdout);
    assert.match(words.stdout, /OK: no errors/);
    assert.match(words.stdout, /read and hashed/);
    const json = await runCli(['verify', '--repo', repo, '--json']);
    assert.equal(json.code, exitCodes.ok);
    const report = JSON.parse(json.stdout) as { ok: boolean; checked: { files: number } };
    assert.equal(report.ok, true);
    assert.ok(report.checked.files > 20);
  });

  test('verify of a damaged backup exits 6 and prints each problem with its fix', async () => {
    const copy = join(await tempDir('wb-cli-vr-copy-'), 'repo');
    execFileSync('cp', ['-a', repo, copy]);
    git(copy, 'rm', '-q', '--', doc.path);
    git(copy, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-q', '-m', 'oops');
    rmSync(lfsObjectPath(git(copy, 'rev-parse', '--absolute-git-dir').trim(), lfs.sha256!));
    const r = await runCli(['verify', '--repo', copy]);
    assert.equal(r.code, exitCodes.verifyFailed);
    assert.match(r.stdout, new RegExp(`ERROR missing-file ${doc.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(r.stdout, /ERROR missing-lfs-object/);
    assert.match(r.stdout, /fix: .*git lfs fetch --all/);
    assert.match(r.stdout, /warning state-stale/);
    assert.match(r.stdout, /FAILED: 2 errors, 1 warning/);
    // Restoring the document whose LFS object is gone: exit 6 with what to do.
    const rl = await runCli(['restore', '--repo', copy, '--id', lfs.id, '--to', await tempDir('wb-cli-vr-out-')]);
    assert.equal(rl.code, exitCodes.verifyFailed, rl.stderr);
    assert.match(rl.stderr, /git lfs fetch/);
  });

  test('verify where nothing was backed up: exit 2 and a clear message', async () => {
    const r = await runCli(['verify', '--repo', await tempDir('wb-cli-vr-empty-')]);
    assert.equal(r.code, exitCodes.config);
    assert.match(r.stderr, /nothing backed up yet/);
    assert.equal((await runCli(['verify'])).code, exitCodes.config);
  });

  test('restore --list, then one version by --commit and by --at', async () => {
    const list = await runCli(['restore', '--config', config, '--id', doc.id, '--list']);
    assert.equal(list.code, exitCodes.ok, list.stderr);
    assert.match(list.stdout, new RegExp(`Document ${doc.id} .*: 1 version`));
    const json = JSON.parse((await runCli(['restore', '--repo', repo, '--path', doc.path, '--list', '--json'])).stdout) as { versions: Array<{ commit: string; date: string }> };
    assert.equal(json.versions.length, 1);
    const to = await tempDir('wb-cli-vr-out-');
    const byCommit = await runCli(['restore', '--repo', repo, '--id', doc.id, '--commit', json.versions[0]!.commit, '--to', to]);
    assert.equal(byCommit.code, exitCodes.ok, byCommit.stderr);
    assert.match(byCommit.stdout, /Restored /);
    const [name] = readdirSync(to);
    assert.equal(createHash('sha256').update(readFileSync(join(to, name!))).digest('hex'), doc.sha256);
    const again = await runCli(['restore', '--repo', repo, '--id', doc.id, '--at', json.versions[0]!.date.slice(0, 10), '--to', to]);
    assert.equal(again.code, exitCodes.config, 'the file exists');
    assert.match(again.stderr, /already exists.*--force/);
    assert.equal((await runCli(['restore', '--repo', repo, '--id', doc.id, '--at', json.versions[0]!.date.slice(0, 10), '--to', to, '--force'])).code, exitCodes.ok);
  });

  test('restore --workspace writes the workspace folder', async () => {
    const ws = [...manifest(repo).values()].find((e) => e.kind === 'workspace')!;
    const to = await tempDir('wb-cli-vr-out-');
    const r = await runCli(['restore', '--repo', repo, '--workspace', ws.name, '--to', to, '--json']);
    assert.equal(r.code, exitCodes.ok, r.stderr);
    const out = JSON.parse(r.stdout) as { files: unknown[]; folder: string };
    assert.ok(out.files.length > 5);
    assert.deepEqual(readdirSync(to), [ws.path.split('/').at(-1)]);
  });

  test('restore refuses bad input with exit 2 and says why', async () => {
    const to = await tempDir('wb-cli-vr-out-');
    const cases: Array<[string[], RegExp]> = [
      [['--id', '424242424'], /no document with id 424242424/],
      [['--path', 'Projectplace/nothing/here.txt'], /no document has ever been at/],
      [['--id', doc.id, '--at', 'yesterday'], /--at "yesterday" is not a date/],
      [['--id', doc.id, '--at', '2025-02-30'], /is not a date/],
      [['--id', doc.id, '--commit', 'deadbeefdeadbeef'], /commit deadbeefdeadbeef does not exist/],
      [['--workspace', 'Alpha', '--at', '2001-01-01'], /before the first backup/],
      [['--id', doc.id, '--at', '2001-01-01'], /no version at or before 2001-01-01T23:59:59.999Z/],
      [['--workspace', 'Nope'], /no workspace "Nope"/],
      [['--id', doc.id, '--at', '2025-01-01', '--commit', 'HEAD'], /not both/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['restore', '--repo', repo, ...args, '--to', to]);
      assert.equal(r.code, exitCodes.config, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    const noTo = await runCli(['restore', '--repo', repo, '--id', doc.id]);
    assert.equal(noTo.code, exitCodes.config);
    assert.match(noTo.stderr, /needs --to <folder>/);
    assert.deepEqual(readdirSync(to), [], 'nothing written by any refused restore');
  });

  test('--at: a day means its end (UTC); a time without zone is UTC; anything else is refused', () => {
    assert.equal(parseAtDate('2025-06-01').toISOString(), '2025-06-01T23:59:59.999Z');
    assert.equal(parseAtDate('2025-06-01T14:30').toISOString(), '2025-06-01T14:30:00.000Z');
    assert.equal(parseAtDate('2025-06-01T14:30:05+02:00').toISOString(), '2025-06-01T12:30:05.000Z');
    assert.equal(parseAtDate('2025-06-01 14:30:05-0130').toISOString(), '2025-06-01T16:00:05.000Z');
    for (const bad of ['2025-13-01', '2025-06-31', '06/01/2025', '2025-06-01T25:00', 'now', '']) assert.throws(() => parseAtDate(bad), /is not a date/, bad);
  });
});
