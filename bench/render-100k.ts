// Benchmark: render the site of a synthetic 100,000-document backup, then again after 10 documents changed; prints JSON.

import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../src/engine/entry.ts';
import { renderSite, type SiteInput, type SiteVersion } from '../src/engine/render/index.ts';

const documents = Number(process.env.DOCS ?? 100_000);
const workspaces = 5;
const topFolders = 20;
const subFolders = 10;

function synthetic(): SiteInput {
  const entries: Entry[] = [];
  const history = new Map<string, SiteVersion[]>();
  const leaves: Array<{ ws: Entry; folder: Entry }> = [];
  let id = 1;
  const people = ['Ann Admin', 'Bo Berg', 'Cecilia Ek', 'David Dahl', 'Eva Ström'];
  for (let w = 0; w < workspaces; w++) {
    const ws: Entry = { source: 'projectplace', id: String(id++), kind: 'workspace', name: `Workspace ${w} & Co`, path: `Projectplace/Workspace ${w} & Co`, parent: null, container: '' };
    ws.container = ws.id;
    if (w === 4) ws.archivedAt = '2026-01-02T03:04:05Z';
    entries.push(ws);
    for (let t = 0; t < topFolders; t++) {
      const top: Entry = { source: 'projectplace', id: String(id++), kind: 'folder', name: `Project ${t}`, path: `${ws.path}/Project ${t}`, parent: null, container: ws.id };
      entries.push(top);
      for (let s = 0; s < subFolders; s++) {
        const sub: Entry = { source: 'projectplace', id: String(id++), kind: 'folder', name: `Phase ${s} <draft>`, path: `${top.path}/Phase ${s} _draft_`, parent: top.id, container: ws.id };
        entries.push(sub);
        leaves.push({ ws, folder: sub });
      }
    }
  }
  const base = Date.parse('2022-01-01T00:00:00Z');
  for (let d = 0; d < documents; d++) {
    const { ws, folder } = leaves[d % leaves.length]!;
    const name = `Report ${d} "final".docx`;
    const first = new Date(base + d * 600_000).toISOString().replace('.000Z', 'Z');
    const second = new Date(base + d * 600_000 + 86_400_000 * 30).toISOString().replace('.000Z', 'Z');
    const size = 1000 + (d % 5000) * 37;
    const e: Entry = {
      source: 'projectplace', id: String(id++), kind: 'document', name, path: `${folder.path}/Report ${d} _final_.docx`, parent: folder.id, container: ws.id,
      modifiedAt: second, version: '2', modifier: { id: String(d % 5), name: people[d % 5]! }, size, sha256: 'a'.repeat(64),
    };
    if (d % 97 === 0) e.deletedAt = '2026-06-01T00:00:00Z';
    entries.push(e);
    history.set(e.id, [
      { commit: (d * 2 + 1).toString(16).padStart(40, '0'), date: second, author: people[d % 5]!, size, path: e.path, change: 'content' },
      { commit: (d * 2).toString(16).padStart(40, '0'), date: first, author: people[(d + 1) % 5]!, size: size - 100, path: e.path, change: 'content' },
    ]);
  }
  return { title: 'Projectplace backup', entries, history, runs: [], generatedAt: '2026-11-23T00:00:00Z', links: { mode: 'github', repoUrl: 'https://github.com/example/backup', branch: 'main' } };
}

const out = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'wb-render-bench-'));
try {
  let t = performance.now();
  const input = synthetic();
  const generate = (performance.now() - t) / 1000;

  t = performance.now();
  const full = await renderSite(input, out);
  const fullSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const same = await renderSite(input, out);
  const sameSeconds = (performance.now() - t) / 1000;

  // Ten documents get a new version.
  const docs = input.entries.filter((e) => e.kind === 'document');
  for (let k = 0; k < 10; k++) {
    const e = docs[k * Math.floor(docs.length / 10)]!;
    e.modifiedAt = '2026-11-22T12:00:00Z';
    e.version = '3';
    e.size = (e.size ?? 0) + 10;
    input.history.get(e.id)!.unshift({ commit: 'f'.repeat(39) + String(k), date: e.modifiedAt, author: 'Ann Admin', size: e.size, path: e.path, change: 'content' });
  }
  input.generatedAt = '2026-11-23T01:00:00Z';
  t = performance.now();
  const incremental = await renderSite(input, out);
  const incrementalSeconds = (performance.now() - t) / 1000;

  console.log(JSON.stringify({
    documents,
    entries: input.entries.length,
    generateSeconds: round(generate),
    full: { seconds: round(fullSeconds), ...full },
    unchangedRerender: { seconds: round(sameSeconds), ...same },
    after10Changed: { seconds: round(incrementalSeconds), ...incremental },
    searchIndexMiB: round(statSync(join(out, 'assets', 'search-index.js')).size / 1048576),
    documentPageBytes: statSync(join(out, 'd', `${docs[1]!.id}.html`)).size,
    rssMiB: Math.round(process.memoryUsage().rss / 1048576),
  }, null, 2));
} finally {
  await rm(out, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
