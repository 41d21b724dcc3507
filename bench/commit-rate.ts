// What bounds commits per second (issue 7): git fast-import alone, fed one commit per document with tiny content, as
// the number of workspaces (entries in the Projectplace/ folder, rewritten by every commit) grows: every commit on the
// branch; on lanes as the engine makes them (a side branch per workspace, merged once; src/engine/sync.ts Store); and
// the same documents in one commit. Same git settings as the engine (src/engine/store/fast-import.ts).
//
// Usage: node bench/commit-rate.ts [--commits 20000] [--workspaces 20,200,2000]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: { commits: { type: 'string', default: '20000' }, workspaces: { type: 'string', default: '20,200,2000' } } });
const commits = Number(o.commits);
const results: Array<Record<string, unknown>> = [];

for (const workspaces of o.workspaces!.split(',').map(Number)) {
  for (const mode of ['branch', 'lanes', 'one commit'] as const) {
    const bulk = mode === 'one commit';
    const dir = mkdtempSync(join(tmpdir(), 'wb-commit-rate-'));
    try {
      await run('git', ['init', '-q', '-b', 'main', dir]);
      const t0 = performance.now();
      const child = spawn('git', ['-c', 'core.compression=0', '-c', 'pack.compression=0', 'fast-import', '--quiet', '--done', '--big-file-threshold=1k'], { cwd: dir, stdio: ['pipe', 'ignore', 'inherit'] });
      const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
      const write = (s: string) => (child.stdin.write(s) ? undefined : new Promise<void>((r) => child.stdin.once('drain', () => r())));
      let chunk = 'feature done\n';
      const flush = async () => {
        await write(chunk);
        chunk = '';
      };
      if (bulk) chunk += `commit refs/heads/main\ncommitter B <b@x> 1700000000 +0000\ndata 4\nbulk\n`;
      if (mode === 'lanes') chunk += `commit refs/heads/main\ncommitter B <b@x> 1700000000 +0000\ndata 5\nbegin\n\n`;
      const lanes = new Map<number, string[]>();
      for (let i = 0; i < commits; i++) {
        const data = `document ${i}\n`;
        const ws = i % workspaces;
        const path = `Projectplace/Workspace ${ws}/Folder ${i % 7}/Document ${i}.docx`;
        const commit = (ref: string) => `commit ${ref}\nauthor A <a@x> ${1700000000 + i} +0000\ncommitter B <b@x> ${1700000000 + i} +0000\ndata 11\nAdd ${String(i % 1e6).padStart(6, '0')}\n`;
        if (mode === 'lanes') {
          // Worst case for fast-import's branch cache: consecutive documents in different workspaces.
          chunk += `blob\nmark :${i + 1}\ndata ${data.length}\n${data}\n${commit(`refs/lanes/${ws}`)}M 100644 :${i + 1} "${path}"\n\n`;
          const lane = lanes.get(ws) ?? [];
          lane.push(`M 100644 :${i + 1} "${path}"\n`);
          lanes.set(ws, lane);
        } else {
          if (!bulk) chunk += commit('refs/heads/main');
          chunk += `M 100644 inline "${path}"\ndata ${data.length}\n${data}\n`;
        }
        if (chunk.length > 1 << 16) await flush();
      }
      for (const [ws, lane] of lanes) {
        chunk += `commit refs/heads/main\ncommitter B <b@x> 1700000000 +0000\ndata 5\nmerge\nmerge refs/lanes/${ws}\n${lane.join('')}\n`;
        if (chunk.length > 1 << 16) await flush();
      }
      chunk += 'done\n';
      await flush();
      child.stdin.end();
      if ((await closed) !== 0) throw new Error('git fast-import failed');
      const seconds = (performance.now() - t0) / 1000;
      const row = { workspaces, mode: mode === 'branch' ? 'a commit per document' : mode === 'lanes' ? 'a commit per document, on lanes' : 'one commit', documents: commits, seconds: Number(seconds.toFixed(2)), documentsPerSecond: Math.round(commits / seconds) };
      results.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
console.log(JSON.stringify({ date: new Date().toISOString().slice(0, 10), results }, null, 2));

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'inherit' });
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}`))));
  });
}
