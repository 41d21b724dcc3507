// The Action's entry cannot pass node flags, so it runs itself again with them: the child has the flags, sees the
// same arguments and environment, its exit code comes back, and a SIGTERM sent to the parent reaches it.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tunedEnv, tunedHeapFlags } from '../../src/lib/tuned-heap.ts';
import { repoRoot, tempDir } from '../helpers/env.ts';

async function script(body: string): Promise<string> {
  const dir = await tempDir('wb-heap-');
  const file = join(dir, 'entry.mjs');
  await writeFile(file, `import { relaunchWithTunedHeap } from ${JSON.stringify(join(repoRoot, 'src/lib/tuned-heap.ts'))};
const code = await relaunchWithTunedHeap(new URL(import.meta.url).pathname);
if (code !== undefined) process.exitCode = code;
else { ${body} }
`);
  return file;
}

function runNode(file: string, args: string[], onOutput?: (out: string, pid: number) => void) {
  const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, WB_PROBE: 'seen' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
    onOutput?.(out, child.pid!);
  });
  return new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
}

test('relaunch: the work runs once, in a child with the heap flags, the arguments and the environment; its exit code is returned', async () => {
  const file = await script(`console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2), probe: process.env.WB_PROBE, malloc: process.env.MALLOC_MMAP_THRESHOLD_ })); process.exitCode = 7;`);
  const r = await runNode(file, ['a b', '--flag']);
  assert.equal(r.code, 7);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, 'the work ran once');
  const seen = JSON.parse(lines[0]!) as { execArgv: string[]; argv: string[]; probe: string; malloc: string };
  for (const flag of tunedHeapFlags) assert.ok(seen.execArgv.includes(flag), `${flag} in ${String(seen.execArgv)}`);
  assert.deepEqual(seen.argv, ['a b', '--flag']);
  assert.equal(seen.probe, 'seen');
  assert.equal(seen.malloc, tunedEnv.MALLOC_MMAP_THRESHOLD_, 'and the tuned environment');
});

test('relaunch: SIGTERM to the parent reaches the child, which can finish its work before the parent exits', async () => {
  const file = await script(`process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);`);
  let sent = false;
  // Once the child says it is ready (its handler is installed), the parent gets the SIGTERM.
  const r = await runNode(file, [], (out, pid) => {
    if (!sent && out.includes('ready')) {
      sent = true;
      process.kill(pid, 'SIGTERM');
    }
  });
  assert.match(r.out, /ready\nchild got SIGTERM/);
  assert.equal(r.code, 3);
});

test('the CLI launcher and the npm scripts start node with the same heap flags as the Action', async () => {
  const shebang = (await readFile(join(repoRoot, 'bin/workspace-backup.js'), 'utf8')).split('\n')[0]!;
  const scripts = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const line of [shebang, scripts.start!, scripts.sim!]) {
    const flags = line.split(/\s+/).filter((w) => w.startsWith('--') && !['--config'].includes(w));
    assert.deepEqual(flags, tunedHeapFlags, line);
  }
  // The launcher also sets the tuned environment (env -S takes NAME=value before the command).
  const assigned = Object.fromEntries(shebang.split(/\s+/).filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string]));
  assert.deepEqual(assigned, tunedEnv, shebang);
});

test('bulkHeap: with the engine flags, a heap full of short-lived survivors is collected far less often until the default is put back', async () => {
  // A 60 MB live heap, then three equal bursts of objects that outlive the young generation (as a download's do).
  const dir = await tempDir('wb-heap-');
  const file = join(dir, 'gc.mjs');
  await writeFile(file, `import { bulkHeap } from ${JSON.stringify(join(repoRoot, 'src/lib/tuned-heap.ts'))};
import { PerformanceObserver, constants } from 'node:perf_hooks';
let major = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++; }).observe({ entryTypes: ['gc'] });
const live = Array.from({ length: 1000000 }, (_, i) => ({ i, s: 'live' + i }));
const burst = () => { const ring = new Array(20000); for (let i = 0; i < 2e6; i++) ring[i % 20000] = { i, s: 'x' + i }; };
const tick = () => new Promise((r) => setTimeout(r, 50));
const count = async () => { await tick(); major = 0; burst(); await tick(); return major; };
const plain = await count();
const restore = bulkHeap();
const bulk = await count();
restore();
const after = await count();
console.log(JSON.stringify({ plain, bulk, after, live: live.length }));
`);
  const r = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [...tunedHeapFlags, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });
  const { plain, bulk, after } = JSON.parse(r) as { plain: number; bulk: number; after: number };
  assert.ok(plain >= 6, `the burst needs full collections under the engine flags (${r})`);
  assert.ok(bulk * 2 <= plain, `at most half as many with bulkHeap (${r})`);
  assert.ok(after * 3 >= plain * 2, `about as many again once the default is back (${r})`);
});

/**
 * Runs `body` in a child node started with `flags`, with tuned-heap.ts's bulkHeap and withBulkHeap in scope and its
 * calls to v8.setFlagsFromString recorded in `calls` (V8 cannot be asked a flag's value); returns what body prints as
 * JSON.
 */
async function flagProbe(flags: string[], body: string): Promise<unknown> {
  const dir = await tempDir('wb-heap-');
  const file = join(dir, 'probe.mjs');
  await writeFile(file, `import v8 from 'node:v8';
const calls = [];
const original = v8.setFlagsFromString;
v8.setFlagsFromString = (f) => { calls.push(f); return original(f); };
(await import('node:module')).syncBuiltinESMExports();
const { bulkHeap, withBulkHeap } = await import(${JSON.stringify(join(repoRoot, 'src/lib/tuned-heap.ts'))});
${body}
`);
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, file]);
  return JSON.parse(stdout) as unknown;
}

test('bulkHeap leaves the heap alone without --optimize-for-size, and keeps a growth given at launch', async () => {
  const calls = (flags: string[]) => flagProbe(flags, 'bulkHeap()();\nconsole.log(JSON.stringify(calls));');
  assert.deepEqual(await calls(tunedHeapFlags), ['--heap-growing-percent=50', '--heap-growing-percent=0']);
  assert.deepEqual(await calls([]), []);
  assert.deepEqual(await calls([...tunedHeapFlags, '--heap-growing-percent=30']), []);
});

test('withBulkHeap puts the default back after sync and async work, thrown or not, and does nothing when not asked', async () => {
  const { calls, seen } = (await flagProbe(tunedHeapFlags, `const seen = [];
seen.push(withBulkHeap(() => calls.length));
try { withBulkHeap(() => { throw new Error('sync'); }); } catch (e) { seen.push(e.message); }
seen.push(await withBulkHeap(async () => { await new Promise((r) => setTimeout(r, 5)); return calls.length; }));
await withBulkHeap(async () => { throw new Error('async'); }).catch((e) => seen.push(e.message));
seen.push(withBulkHeap(() => 'skipped', false));
console.log(JSON.stringify({ calls, seen }));`)) as { calls: string[]; seen: unknown[] };
  const set = '--heap-growing-percent=50';
  const reset = '--heap-growing-percent=0';
  // Each piece of work ran with the growth set (1, 5: the calls made by the time it ran) and was followed by a reset.
  assert.deepEqual(seen, [1, 'sync', 5, 'async', 'skipped']);
  assert.deepEqual(calls, [set, reset, set, reset, set, reset, set, reset]);
});
