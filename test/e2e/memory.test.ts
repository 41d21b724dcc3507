// A large document is streamed: the backing-up process's peak RSS stays far below the document's size.
// (The 2 GiB figure is in bench/RESULTS.md, from `npm run bench:large`; this is the CI-sized version.)

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { manifest, oauth1Config, repoRoot, startSim, tempDir, writeConfig } from '../helpers/env.ts';
import { tunedHeapFlags } from '../../src/lib/tuned-heap.ts';

test('backing up a 320 MiB document keeps peak RSS under 300 MB', async () => {
  const size = 320 * 1024 * 1024;
  const fx = await startSim({ seed: 2, workspaces: 1, documents: 1, hostileNames: false, largeDocuments: [size] });
  try {
    const dir = await tempDir('wb-mem-');
    const config = await writeConfig(dir, oauth1Config(fx.sim, 'repo'));
    const run = await promisify(execFile)(process.execPath, [...tunedHeapFlags, join(repoRoot, 'bench/measured-sync.ts'), 'sync', '--config', config, '--quiet'], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    const measured = JSON.parse(/MEASURED (.*)/.exec(run.stderr)![1]!) as { code: number; maxRssBytes: number };
    assert.equal(measured.code, 0, run.stderr);
    assert.ok(measured.maxRssBytes < 300 * 1000 * 1000, `peak RSS ${(measured.maxRssBytes / 1e6).toFixed(0)} MB`);
    const big = [...manifest(join(dir, 'repo')).values()].find((e) => e.size === size);
    assert.ok(big?.lfs, 'stored in LFS');
  } finally {
    await fx.close();
  }
});
