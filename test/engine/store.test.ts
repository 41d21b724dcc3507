// The git store's building blocks against real git: fast-import commits, path quoting, LFS attributes.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FastImport, quotePath } from '../../src/engine/store/fast-import.ts';
import { Git } from '../../src/engine/store/git.ts';
import { exactPattern, renderGitattributes } from '../../src/engine/store/lfs.ts';
import { tempDir } from '../helpers/env.ts';

const at = new Date('2024-04-05T19:34:38+00:00');
const bot = { name: 'bot', email: 'bot@invalid', date: at };

test('fast-import writes files with awkward paths, authored and dated as asked', async () => {
  const dir = await tempDir('wb-fi-');
  const git = await Git.init(dir, 'main');
  const file = join(dir, 'content.tmp');
  await writeFile(file, 'hello\n');
  const fi = await FastImport.start(git, 'refs/heads/main', undefined);
  const paths = ['Projectplace/A "quoted" name/x.txt', 'Projectplace/Ünïcode ✓/spaces  here.docx', 'Projectplace/back\\slash/tab.txt'];
  await fi.commit({
    author: { name: 'Ann <Admin>', email: 'ann@example.com', date: at },
    committer: bot,
    message: 'Add things\n\nDocument-Id: 1',
    changes: [{ op: 'put', path: paths[0]!, file, size: 6 }, { op: 'write', path: paths[1]!, data: 'x' }, { op: 'write', path: paths[2]!, data: 'y' }],
  });
  const tip = await fi.finish(git);
  assert.ok(tip);
  const files = (await git.run(['ls-tree', '-r', '-z', '--name-only', 'main'])).stdout.split('\0').filter(Boolean).sort();
  assert.deepEqual(files, [...paths].sort());
  const log = (await git.run(['log', '-1', '--format=%an|%ae|%aI', 'main'])).stdout.trim();
  assert.equal(log, 'Ann Admin|ann@example.com|2024-04-05T19:34:38+00:00');
  assert.equal((await git.run(['cat-file', 'blob', `main:${paths[0]}`])).stdout, 'hello\n');
});

test('a fast-import stream cut short updates no ref', async () => {
  const dir = await tempDir('wb-fi-');
  const git = await Git.init(dir, 'main');
  const fi = await FastImport.start(git, 'refs/heads/main', undefined);
  await fi.commit({ author: bot, committer: bot, message: 'x', changes: [{ op: 'write', path: 'a.txt', data: 'a' }] });
  fi.abort();
  await assert.rejects(fi.finish(git));
  assert.equal(await git.resolve('refs/heads/main'), undefined);
});

test('quotePath escapes quotes, backslashes and control bytes and keeps UTF-8', () => {
  assert.equal(quotePath('a "b"\\c'), '"a \\"b\\"\\\\c"');
  assert.equal(quotePath('x\ny'), '"x\\ny"');
  assert.equal(quotePath('é'), '"é"');
  assert.equal(quotePath('a\x01\tb\x7f\x1fc'), '"a\\001\\011b\\177\\037c"');
  assert.equal(quotePath('Ω "x" ü\n'), '"Ω \\"x\\" ü\\n"');
});

test('LFS patterns in .gitattributes match exactly the listed paths, spaces and globs included', async () => {
  const dir = await tempDir('wb-attr-');
  const git = await Git.init(dir, 'main');
  const lfsPaths = ['Projectplace/My WS/Big file [v2].bin', 'Projectplace/*star?.bin', 'Projectplace/#hash !bang.bin'];
  const text = renderGitattributes('*.psd binary\n', lfsPaths);
  assert.match(text, /^\*\.psd binary\n/);
  await writeFile(join(dir, '.gitattributes'), text);
  for (const p of lfsPaths) {
    const out = (await git.run(['check-attr', 'filter', '--', p])).stdout;
    assert.match(out, /filter: lfs/, `${p} → ${exactPattern(p)}`);
  }
  for (const p of ['Projectplace/My WS/Big file v.bin', 'Projectplace/xstar?.bin', 'Projectplace/My WS/Big file [v2].bin.old']) {
    const out = (await git.run(['check-attr', 'filter', '--', p])).stdout;
    assert.match(out, /filter: unspecified/, p);
  }
  // Rewriting keeps what a person wrote outside the tool's block and replaces the block.
  const again = renderGitattributes(text, [lfsPaths[0]!]);
  assert.equal(again.split('\n').filter((l) => l.includes('filter=lfs')).length, 1);
  assert.match(again, /^\*\.psd binary\n/);
});

test('each source maintains only its own LFS patterns in the shared .gitattributes block', () => {
  const one = renderGitattributes('', ['Projectplace/WS/big.bin', 'Projectplace/WS/huge.iso'], 'Projectplace');
  const both = renderGitattributes(one, ['ProSonata/exports/dump.json'], 'ProSonata');
  const lfsLines = (t: string) => t.split('\n').filter((l) => l.includes('filter=lfs'));
  assert.equal(lfsLines(both).length, 3, both);
  // Projectplace's next run drops one of its own files from LFS and keeps ProSonata's pattern.
  const after = renderGitattributes(both, ['Projectplace/WS/big.bin'], 'Projectplace');
  assert.deepEqual(lfsLines(after).map((l) => l.split(' ')[0]), ['/ProSonata/exports/dump.json', '/Projectplace/WS/big.bin']);
  // A root that is a prefix of another's name ("Project" vs "Projectplace") does not touch it.
  const prefix = renderGitattributes(after, [], 'Project');
  assert.equal(lfsLines(prefix).length, 2);
});
