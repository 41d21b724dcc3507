// Progress output: a redrawn bar on a terminal, plain lines (not one per document) in a log.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress, formatBytes } from '../../src/cli/progress.ts';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

test('on a terminal the bar is redrawn in place and erased at the end', () => {
  const { stream, text } = fakeStream(true);
  const p = createProgress(stream);
  for (let i = 1; i <= 4; i++) p.update({ phase: 'transfer', done: i, total: 4, bytes: i * 1024 });
  p.end();
  assert.match(text(), /\r\x1b\[2K\[#{24}\] downloading 4\/4 documents, 4\.0 KiB/);
  assert.ok(!text().includes('\n'), 'no new lines on a terminal');
  assert.ok(text().endsWith('\r\x1b[2K'));
});

test('in a log there is a line per phase, not per document, and no control characters', () => {
  const { stream, text } = fakeStream(false);
  const p = createProgress(stream);
  p.update({ phase: 'listing', done: 0, total: 0, bytes: 0 });
  for (let i = 1; i <= 500; i++) p.update({ phase: 'transfer', done: i, total: 500, bytes: i });
  p.update({ phase: 'done', done: 1, total: 1, bytes: 500 });
  const lines = text().trim().split('\n');
  assert.ok(lines.length <= 4, lines.join(' | '));
  assert.doesNotMatch(text(), /\x1b|\r/);
});

test('formatBytes', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
});
