// The bounded background work between downloads and commits: never more than its task or weight limit at once,
// every task awaited by drain, the first error stops the caller.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PendingWork } from '../../src/engine/pending-work.ts';

test('add waits while the task limit is reached, then starts the task and returns; drain waits for all', async () => {
  const work = new PendingWork(3, Infinity);
  let running = 0;
  let most = 0;
  let finished = 0;
  for (let i = 0; i < 20; i++) {
    await work.add(async () => {
      running++;
      most = Math.max(most, running);
      await sleep(2 + (i % 3));
      running--;
      finished++;
    });
    assert.ok(running <= 3, `never more than the limit (running ${running})`);
  }
  await work.drain();
  assert.equal(finished, 20);
  assert.equal(most, 3);
});

test('the weight limit holds back big tasks, but one task alone may exceed it', async () => {
  const work = new PendingWork(100, 100);
  let weight = 0;
  let most = 0;
  for (const w of [60, 60, 60, 250, 10]) {
    await work.add(async () => {
      weight += w;
      most = Math.max(most, weight);
      await sleep(3);
      weight -= w;
    }, w);
  }
  await work.drain();
  assert.ok(most === 250, `a task over the limit runs alone (saw ${most} at once)`);
});

test('a task that throws makes the next add or the drain throw that error', async () => {
  const work = new PendingWork(2, Infinity);
  await work.add(async () => {
    await sleep(1);
    throw new Error('disk full');
  });
  await sleep(5);
  await assert.rejects(work.add(async () => {}), /disk full/);
  await assert.rejects(work.drain(), /disk full/);
});
