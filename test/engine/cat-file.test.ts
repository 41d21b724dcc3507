// The streaming object reader verify and restore share: big blobs arrive in chunks, missing objects are undefined,
// and a failed handler does not leave the reader silently out of step.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CatFileBatch, parseLfsPointer } from '../../src/engine/store/cat-file.ts';
import { Git } from '../../src/engine/store/git.ts';
import { lfsPointer } from '../../src/engine/store/lfs.ts';
import { git, tempDir } from '../helpers/env.ts';

test('a large blob is streamed in chunks, and the reader goes on to the next object', async () => {
  const dir = await tempDir('wb-catfile-');
  git(dir, 'init', '-q');
  const big = randomBytes(12 * 1024 * 1024);
  writeFileSync(join(dir, 'big'), big);
  writeFileSync(join(dir, 'small'), 'hello\n');
  const bigOid = git(dir, 'hash-object', '-w', 'big').trim();
  const smallOid = git(dir, 'hash-object', '-w', 'small').trim();
  const cat = CatFileBatch.start(new Git(dir));
  try {
    const hash = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    const header = await cat.read(bigOid, (c) => {
      chunks++;
      largest = Math.max(largest, c.length);
      hash.update(c);
    });
    assert.deepEqual(header, { oid: bigOid, type: 'blob', size: big.length });
    assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'));
    assert.ok(chunks > 10 && largest <= 1024 * 1024, `${chunks} chunks, largest ${largest} bytes`);
    assert.equal(await cat.read('0'.repeat(40), () => assert.fail('no bytes for a missing object')), undefined);
    assert.equal((await cat.readSmall(smallOid))!.data.toString(), 'hello\n');
    // A handler that fails mid-object: the reader refuses to go on rather than read the rest as a header.
    await assert.rejects(cat.read(bigOid, () => Promise.reject(new Error('disk full'))), /disk full/);
    await assert.rejects(cat.read(smallOid, () => {}), /out of step/);
  } finally {
    await cat.close();
  }
});

test('LFS pointers: what git-lfs writes parses, anything else does not', () => {
  const oid = 'a'.repeat(64);
  assert.deepEqual(parseLfsPointer(lfsPointer(oid, 123)), { oid, size: 123 });
  assert.deepEqual(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${'b'.repeat(64)}\noid sha256:${oid}\nsize 5\n`), { oid, size: 5 });
  for (const bad of ['', 'hello', lfsPointer(oid, 1).replace('size 1', 'size x'), lfsPointer(oid, 1).trimEnd(), lfsPointer('A'.repeat(64), 1)]) assert.equal(parseLfsPointer(bad), undefined, bad);
});
