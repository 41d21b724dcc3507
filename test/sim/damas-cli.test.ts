// The `sim` command: damas-core's simulator (`workspace-backup sim damas`) starts from options, prints the URL, the
// users and a source for the backup, accepts the admin's sign-in and stops on SIGTERM; `sim` lists and routes every
// simulator (ProSonata's had a command module the CLI did not route to).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { untilSimReady } from '../helpers/sim-cli.ts';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

const children: ReturnType<typeof spawn>[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

it('sim damas prints the URL, users and a source; the admin signs in; SIGTERM stops it', async () => {
  const child = run(['sim', 'damas', '--seed', '5', '--projects', '2', '--assets', '6', '--links', '2', '--no-hostile']);
  const { url, out } = await untilSimReady(child);
  const source = /\{ "type": "damas", "url": "([^"]+)", "username": "([^"]+)" \} with WORKSPACE_BACKUP_DAMAS_PASSWORD=(\S+)/.exec(out);
  assert.ok(source, out);
  assert.equal(source[1], url);
  assert.match(out, new RegExp(`${source[2]} +admin +password: ${source[3]}`));
  const nodes = Number(/nodes: (\d+)/.exec(out)?.[1]);
  assert.ok(nodes >= 2 + 6, `${nodes} nodes for 2 projects and 6 assets`);
  const signIn = await fetch(`${url}/api/signIn/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: source[2], password: source[3] }) });
  assert.equal(signIn.status, 200, await signIn.clone().text());
  assert.ok(((await signIn.json()) as { token?: string }).token, 'a token');
  const wrong = await fetch(`${url}/api/signIn/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: source[2], password: 'wrong' }) });
  assert.equal(wrong.status, 401);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

it('sim --help lists every simulator, and an unknown one is a usage error naming them', async () => {
  const help = run(['sim', '--help']);
  let text = '';
  help.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
  assert.equal((await once(help, 'exit'))[0], 0);
  for (const name of ['projectplace', 'prosonata', 'damas']) assert.match(text, new RegExp(`^  ${name} `, 'm'));
  const bad = run(['sim', 'jira']);
  let err = '';
  bad.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  assert.notEqual((await once(bad, 'exit'))[0], 0);
  assert.match(err, /unknown simulator "jira"; available: projectplace, prosonata, damas/);
});

it('sim prosonata starts the ProSonata simulator (routed like the others)', async () => {
  const child = run(['sim', 'prosonata', '--seed', '3', '--count', 'projecttimes=5']);
  const { out } = await untilSimReady(child);
  assert.match(out, /^ProSonata simulator listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /projecttimes 5/);
  child.kill('SIGTERM');
  assert.equal((await once(child, 'exit'))[0], 0);
});
