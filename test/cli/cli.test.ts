// The CLI as a user runs it: exit codes, messages that say what to do, secrets that never show.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildConfig } from '../../src/settings/backup-config.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { filesUnder, git, oauth1Config, runCli, startSim, tempDir, writeConfig, type SimFixture } from '../helpers/env.ts';

describe('workspace-backup sync', () => {
  let fx: SimFixture;
  before(async () => {
    fx = await startSim({ seed: 21, documents: 12 });
  });
  after(() => fx.close());

  test('backs up, prints a summary, and exits 0; --json gives the machine-readable report', async () => {
    const dir = await tempDir('wb-cli-');
    const config = await writeConfig(dir, oauth1Config(fx.sim, 'backup'));
    const first = await runCli(['sync', '--config', config]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Backup of projectplace complete/);
    const second = await runCli(['sync', '--config', config, '--json', '--quiet']);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { complete: boolean; commits: number; counts: { unchanged: number } };
    assert.equal(report.complete, true);
    assert.equal(report.commits, 0);
    assert.ok(report.counts.unchanged > 12);
    assert.ok(git(join(dir, 'backup'), 'log', '--oneline').trim().length > 0, 'repo-path resolves against the config file');
  });

  test('the old Python tool configuration keys work', async () => {
    const dir = await tempDir('wb-cli-');
    const c = fx.sim.credentials;
    const config = await writeConfig(dir, {
      host: fx.sim.url,
      consumer_key: c.consumerKey,
      consumer_secret: c.consumerSecret,
      access_token: c.accessToken,
      access_token_secret: c.accessTokenSecret,
      workspace_ids: [],
      repo_path: 'b',
    });
    const r = await runCli(['sync', '--config', config, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const [which, key] of [
    ['consumer secret', 'consumer-secret'],
    ['access token secret', 'access-token-secret'],
  ] as const) {
    test(`a wrong ${which} exits 3, names the credentials to check, and prints no secret`, async () => {
      const dir = await tempDir('wb-cli-');
      const cfg = oauth1Config(fx.sim, 'backup', { [key]: 'wrong-secret-value-1234' });
      const config = await writeConfig(dir, cfg);
      const r = await runCli(['sync', '--config', config, '--debug']);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /401/);
      assert.match(r.stderr, /consumer-key and consumer-secret .* access-token and access-token-secret/);
      const all = r.stdout + r.stderr;
      for (const secret of [fx.sim.credentials.consumerSecret, fx.sim.credentials.accessTokenSecret, fx.sim.credentials.accessToken, 'wrong-secret-value-1234']) {
        assert.ok(!all.includes(secret), `output contains a secret (${secret.slice(0, 3)}…)`);
      }
      assert.doesNotMatch(all, /oauth_signature="[^*]/);
    });
  }

  test('a wrong OAuth2 client secret exits 3 naming client-id and client-secret; secrets stay out of output and repo', async () => {
    const dir = await tempDir('wb-cli-');
    const config = await writeConfig(dir, { host: fx.sim.url, 'client-id': fx.sim.credentials.clientId, 'client-secret': 'nope-nope-nope-1234', 'repo-path': 'backup' });
    const r = await runCli(['sync', '--config', config, '--debug']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /client-id and client-secret/);
    assert.ok(!(r.stdout + r.stderr).includes('nope-nope-nope-1234'));
  });

  test('a successful run with --debug leaks no credential into output, repo or state', async () => {
    const dir = await tempDir('wb-cli-');
    const c = fx.sim.credentials;
    const config = await writeConfig(dir, { host: fx.sim.url, 'client-id': c.clientId, 'client-secret': c.clientSecret, 'repo-path': 'backup' });
    const r = await runCli(['sync', '--config', config, '--debug']);
    assert.equal(r.code, 0, r.stderr);
    const secrets = [c.clientSecret, c.consumerSecret, c.accessTokenSecret];
    for (const s of secrets) assert.ok(!(r.stdout + r.stderr).includes(s), 'secret in output');
    for (const f of filesUnder(join(dir, 'backup'))) {
      const bytes = readFileSync(f);
      for (const s of secrets) assert.ok(!bytes.includes(s), `secret in ${f}`);
    }
    assert.match(r.stdout + r.stderr, /Bearer \*\*\*|GET|git /, 'debug output was produced');
  });

  test('bad configuration exits 2 with a message naming the key', async () => {
    const dir = await tempDir('wb-cli-');
    const cases: Array<[Record<string, unknown> | string, RegExp]> = [
      ['{ not json', /not valid JSON/],
      [{ host: fx.sim.url, 'client-id': 'x', 'repo-path': 'b' }, /missing: client-secret/],
      [{ host: 'ftp://x', 'client-id': 'x', 'client-secret': 'y', 'repo-path': 'b' }, /host is "ftp:\/\/x"/],
      [{ host: fx.sim.url, 'client-id': 'x', 'client-secret': 'y', 'repo-path': 'b', concurency: 3 }, /unknown configuration key "concurency"/],
      [{ host: fx.sim.url, 'client-id': 'x', 'client-secret': 'y', 'repo-path': 'b', 'lfs-threshold': '200MiB' }, /100 MiB/],
    ];
    for (const [content, expected] of cases) {
      const file = join(dir, 'c.json');
      (await import('node:fs')).writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      const r = await runCli(['sync', '--config', file]);
      assert.equal(r.code, 2, `${JSON.stringify(content)}: ${r.stderr}`);
      assert.match(r.stderr, expected);
    }
    const missing = await runCli(['sync']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--config/);
  });

  test('--help explains the command and its exit codes', async () => {
    const r = await runCli(['sync', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--dry-run/);
    assert.match(r.stdout, /Exit codes/);
    const top = await runCli(['--help']);
    assert.match(top.stdout, /sync .*--config/);
  });

  test('a workspace-ids entry the account does not have is a configuration error', async () => {
    const dir = await tempDir('wb-cli-');
    const config = await writeConfig(dir, oauth1Config(fx.sim, 'backup', { 'workspace-ids': '999999999' }));
    const r = await runCli(['sync', '--config', config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /workspace-ids lists 999999999/);
  });
});

test('secrets can come from the environment instead of the file', () => {
  const cfg = buildConfig({ 'client-id': 'abc', 'repo-path': 'x' }, '/tmp', { WORKSPACE_BACKUP_CLIENT_SECRET: 'from-env-secret' });
  assert.equal(cfg.sources[0]?.type === 'projectplace' && cfg.sources[0].settings.auth.kind, 'oauth2');
  assert.throws(() => buildConfig({ 'repo-path': 'x' }, '/tmp', {}), ConfigError);
});

test('a run with a document that keeps failing exits 4 (partial) and says what to do', async () => {
  const fx = await startSim({ seed: 22, documents: 8 });
  try {
    const dump = await fx.control.state();
    const victim = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    await fx.control.faults([{ path: `^/1/documents/${victim.id}$`, kind: '503', rate: 1 }]);
    const dir = await tempDir('wb-cli-');
    const config = await writeConfig(dir, oauth1Config(fx.sim, 'backup'));
    const { env } = process;
    const r = await runCli(['sync', '--config', config], { env: { ...env } });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /INCOMPLETE/);
    assert.match(r.stdout, /FAILED .*503/);
    assert.match(r.stdout, /retried on the next run/);
  } finally {
    await fx.close();
  }
});

test('config: sources add ProSonata beside top-level Projectplace; its key can come from the environment; mistakes are named', () => {
  const env = { WORKSPACE_BACKUP_PROSONATA_API_KEY: 'pros-key-from-env' };
  const cfg = buildConfig({ 'client-id': 'a', 'client-secret': 'b', 'repo-path': 'x', sources: [{ type: 'prosonata', url: 'https://acme.prosonata.software', 'app-id': '12' }] }, '/tmp', env);
  assert.deepEqual(cfg.sources.map((s) => s.type), ['projectplace', 'prosonata']);
  assert.equal(cfg.sources[1]!.type === 'prosonata' && cfg.sources[1].settings.apiKey, 'pros-key-from-env');
  // The Action passes the list as JSON text.
  const fromInput = buildConfig({ 'repo-path': 'x', sources: JSON.stringify([{ type: 'prosonata', url: 'https://acme.prosonata.software', 'api-key': 'k' }]) }, '/tmp', {});
  assert.deepEqual(fromInput.sources.map((s) => s.type), ['prosonata']);
  assert.throws(() => buildConfig({ 'repo-path': 'x', sources: '[{"type": "prosonata",' }, '/tmp', {}), /sources is not valid JSON/);
  assert.throws(() => buildConfig({ 'repo-path': 'x', sources: [{ type: 'jira' }] }, '/tmp', {}), /sources\[0\]\.type is "jira"/);
  assert.throws(() => buildConfig({ 'repo-path': 'x', 'client-id': 'a', 'client-secret': 'b', sources: [{ type: 'projectplace', 'client-id': 'c', 'client-secret': 'd' }] }, '/tmp', {}), /configured twice/);
  assert.throws(() => buildConfig({ 'repo-path': 'x', sources: [{ type: 'projectplace', 'client-id': 'c' }] }, '/tmp', {}), /incomplete in sources\[0\].*missing: client-secret/);
  assert.throws(() => buildConfig({ 'repo-path': 'x', sources: [{ type: 'prosonata', url: 'https://a.prosonata.software' }] }, '/tmp', {}), /sources\[0\]\.api-key is missing/);
});
