// Projectplace simulator CLI: starts from options, prints URL and credentials, serves, stops on SIGTERM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { untilSimReady } from '../helpers/sim-cli.ts';

const cli = fileURLToPath(new URL('../../src/sim/projectplace/cli.ts', import.meta.url));

it('runSimCommand prints the URL and credentials, serves requests and exits on SIGTERM', async () => {
  const code = `import { runSimCommand } from ${JSON.stringify(cli)}; await runSimCommand(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, '--', '--documents', '7', '--workspaces', '2', '--seed', '5', '--large', '10,20'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url, out } = await untilSimReady(child);
  assert.match(out, /consumer key: +sim-consumer-key-5/);
  assert.match(out, /client id: +[0-9a-f]{32}/);
  assert.match(out, /documents: 9, workspaces: 2/);
  const state = (await (await fetch(url + '/__sim/state')).json()) as { options: { seed: number; largeDocuments: number[] } };
  assert.equal(state.options.seed, 5);
  assert.deepEqual(state.options.largeDocuments, [10, 20]);
  child.kill('SIGTERM');
  const [exitCode] = await once(child, 'exit');
  assert.equal(exitCode, 0);
});
