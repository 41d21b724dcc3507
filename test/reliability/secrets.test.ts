// Secrets: every command, with debug logging on, through faults, token renewal and refused credentials, leaves no
// credential, access token or OAuth signature in its output, the backup repo (files and git objects), the site or
// the state file. The Action's runs are checked the same way in test/e2e/action.test.ts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { oauth1Config, repoRoot, runCli, startSim, tempDir, writeConfig, type CliResult, type SimFixture } from '../helpers/env.ts';
import { findLeaks, simSecrets, tracesUnder, type Trace } from '../helpers/secrets.ts';

describe('secrets never leave the process', () => {
  let fx: SimFixture;
  let dir: string;
  const outputs: Trace[] = [];
  const record = (name: string, r: CliResult) => outputs.push({ where: `output of ${name}`, text: r.stdout + '\n' + r.stderr });

  before(async () => {
    // Short-lived OAuth2 tokens, so runs renew them, and faults, so debug logs the retried requests.
    fx = await startSim({ seed: 77, workspaces: 3, documents: 20, largeDocuments: [1_500_000], switches: { tokenLifetimeSeconds: 60, emitExpiresIn: true } });
    dir = await tempDir('wb-secrets-');
  });
  after(() => fx?.close());

  const oauth2 = () => ({ host: fx.sim.url, 'client-id': fx.sim.credentials.clientId, 'client-secret': fx.sim.credentials.clientSecret, 'lfs-threshold': '1MiB' });

  test('sync with OAuth1 and with OAuth2, --debug, through 429s, 503s, resets and a token expiry', async () => {
    await fx.control.faults([
      { path: '^/1/', kind: '429', rate: 0.15, retryAfter: 0 },
      { path: '^/1/documents/', kind: '503', rate: 0.15 },
      { path: '^/1/documents/', kind: 'reset', rate: 0.1 },
    ]);
    const c1 = await writeConfig(await ensureDir(join(dir, 'conf', 'oauth1')), oauth1Config(fx.sim, join(dir, 'repos', 'backup1'), { 'lfs-threshold': '1MiB' }));
    const r1 = await runCli(['sync', '--config', c1, '--debug']);
    record('sync oauth1', r1);
    assert.ok(r1.code === 0 || r1.code === 4, r1.stderr);
    assert.match(r1.stderr + r1.stdout, /oauth_signature=\*\*\*|GET /, 'debug output shows the requests');

    const c2dir = join(dir, 'conf', 'oauth2');
    const c2 = await writeConfig(await ensureDir(c2dir), { ...oauth2(), 'repo-path': join(dir, 'repos', 'backup2') });
    const r2 = await runCli(['sync', '--config', c2, '--debug']);
    record('sync oauth2', r2);
    assert.ok(r2.code === 0 || r2.code === 4, r2.stderr);
    // The token expires; the next run gets a new one (and logs the renewal at debug).
    await fetch(`${fx.sim.url}/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 120 }) });
    await fx.control.mutate({ op: 'edit', id: (await fx.control.state()).items.find((i) => i.kind === 'document')!.id });
    const r3 = await runCli(['sync', '--config', c2, '--debug', '--full-resync']);
    record('sync oauth2 full resync', r3);
    assert.ok(r3.code === 0 || r3.code === 4, r3.stderr);
    const r4 = await runCli(['sync', '--config', c2, '--debug', '--dry-run', '--json']);
    record('sync dry run', r4);
    assert.equal(r4.code, 0, r4.stderr);
    await fx.control.clearFaults();
    assert.ok(fx.sim.state.auth.tokens.size >= 2, 'more than one OAuth2 token was issued');
  });

  test('refused credentials, with --debug', async () => {
    const bad = await writeConfig(await ensureDir(join(dir, 'conf', 'bad')), { ...oauth2(), 'client-secret': 'not-the-secret-' + fx.sim.credentials.clientSecret.slice(0, 4), 'repo-path': join(dir, 'repos', 'backup3') });
    const r = await runCli(['sync', '--config', bad, '--debug']);
    record('sync refused', r);
    assert.equal(r.code, 3, r.stderr);
    const bad1 = await writeConfig(await ensureDir(join(dir, 'conf', 'bad1')), oauth1Config(fx.sim, join(dir, 'repos', 'backup4'), { 'access-token-secret': 'wrong-token-secret-9876' }));
    const r1 = await runCli(['sync', '--config', bad1, '--debug']);
    record('sync refused oauth1', r1);
    assert.equal(r1.code, 3, r1.stderr);
  });

  test('render and serve, with --debug', async () => {
    const c2 = join(dir, 'conf', 'oauth2', 'backup.json');
    const r = await runCli(['render', '--config', c2, '--debug']);
    record('render', r);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /git /, 'debug output shows git commands');
    const served = await serveOnce(c2);
    record('serve', served);
  });

  test('verify and restore, with --debug', async () => {
    const c2 = join(dir, 'conf', 'oauth2', 'backup.json');
    const v = await runCli(['verify', '--config', c2, '--read-data', '--debug']);
    record('verify', v);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const doc = (await fx.control.state()).items.find((i) => i.kind === 'document')!;
    const r1 = await runCli(['restore', '--config', c2, '--id', String(doc.id), '--to', join(dir, 'repos', 'restored-doc'), '--debug']);
    record('restore document', r1);
    assert.equal(r1.code, 0, r1.stdout + r1.stderr);
    const ws = (await fx.control.state()).workspaces[0]!;
    const r2 = await runCli(['restore', '--config', c2, '--workspace', String(ws.id), '--to', join(dir, 'repos', 'restored-ws'), '--debug']);
    record('restore workspace', r2);
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.match(r2.stderr + r2.stdout, /git /, 'debug output shows git commands');
  });

  test('nothing anywhere holds a credential, a token or a signature', () => {
    const secrets = [...simSecrets(fx.sim), 'wrong-token-secret-9876', 'not-the-secret-' + fx.sim.credentials.clientSecret.slice(0, 4)];
    assert.ok(secrets.length >= 6, `secrets collected: ${secrets.length}`);
    // Everything but the configuration files, which hold the credentials by design.
    const traces = [...outputs, ...tracesUnder(join(dir, 'repos'))];
    assert.ok(traces.some((t) => t.where.endsWith('state.db')), 'the state files were searched');
    assert.ok(traces.some((t) => t.where.includes('/.workspace-backup/site/')), 'the site was searched');
    assert.ok(traces.some((t) => t.where.startsWith('git objects')), 'the git objects were searched');
    assert.deepEqual(findLeaks(traces, secrets), []);
    // The checker itself finds what it looks for.
    assert.equal(findLeaks([{ where: 'probe', text: `x ${secrets[0]} y` }], secrets).length, 1);
    assert.equal(findLeaks([{ where: 'probe', text: 'Authorization: OAuth oauth_signature="abcdEFGH1234%3D"' }], []).length, 1);
  });
});

async function ensureDir(d: string): Promise<string> {
  await process.getBuiltinModule('node:fs/promises').mkdir(d, { recursive: true });
  return d;
}

/** Starts `serve --debug` on a free port, fetches the front page, stops it with SIGINT. */
function serveOnce(config: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), 'serve', '--config', config, '--port', '0', '--debug'], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', async (d: Buffer) => {
      stdout += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
      if (m && !child.killed) {
        const page = await fetch(m[0]).then((r) => r.text());
        stdout += page;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
