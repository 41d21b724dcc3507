// `npm start` (the demo a newcomer runs first): both simulators backed up into one repository, twice, with the
// scripted changes recorded, and the site built.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { git, gitFiles, runCli, tempDir } from '../helpers/env.ts';

test('the demo backs up Projectplace and ProSonata, records the changes made between its runs, and builds the site', async () => {
  const dir = join(await tempDir('wb-demo-'), 'demo-backup');
  const r = await runCli(['demo', '--dir', dir]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /== Second backup: only what changed\n[\s\S]*Backup of projectplace complete/);
  assert.match(r.stdout, /== Second backup of ProSonata\n[\s\S]*Backup of prosonata complete\.\n {2}changes: 1 modified/);
  const files = gitFiles(dir);
  assert.ok(files.some((f) => f.startsWith('Projectplace/')));
  assert.ok(files.some((f) => f.startsWith('ProSonata/projecttimes/')));
  const story = /log --format='%h %ad %s' --date=short -- (ProSonata\/projecttimes\/\d+\.json)/.exec(r.stdout)![1]!;
  assert.equal(git(dir, 'log', '--format=%s', '--', story).trim().split('\n').length, 2, 'the edited record: added, then updated');
  assert.ok(existsSync(join(dir, '.workspace-backup', 'site', 'index.html')));
  assert.doesNotMatch(r.stdout + r.stderr, /state rebuilt from the repo's manifest: 0 entries/);
});
