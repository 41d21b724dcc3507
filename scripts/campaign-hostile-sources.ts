// Hostile input for the issue-9 sources (damas-core, Pivotal Tracker exports, the old Projectplace sync tool's data):
// runs test/reliability/hostile-sources.ts and prints its Markdown table (for RELIABILITY.md) to stdout, progress and
// problems to stderr. Exits 1 when any case committed a wrong byte, wrote outside the repo, lost an entry, ended
// unclearly or otherwise than expected, or left a state the next clean run could not complete from.
//
// Usage: node scripts/campaign-hostile-sources.ts [--concurrency 2] [--source damas|pivotal|projectplace-sync] [--only <text>]

import { parseArgs } from 'node:util';
import { markdownTable, problems, runHostileSources, type SourceName } from '../test/reliability/hostile-sources.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '2' },
    source: { type: 'string', multiple: true },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('Usage: node scripts/campaign-hostile-sources.ts [--concurrency 2] [--source damas|pivotal|projectplace-sync]... [--only text]\n');
  process.exit(0);
}
const known: SourceName[] = ['damas', 'pivotal', 'projectplace-sync'];
const sources = (values.source ?? known) as SourceName[];
for (const s of sources) if (!known.includes(s)) throw new Error(`--source ${s}: expected one of ${known.join(', ')}`);

const started = Date.now();
let done = 0;
const results = await runHostileSources({
  concurrency: Math.max(1, Number(values.concurrency)),
  sources,
  ...(values.only ? { only: values.only } : {}),
  onResult: (r) => {
    const bad = problems(r);
    process.stderr.write(`[${++done}] ${r.hostile.source}: ${r.hostile.input}: ${r.outcome} (${r.ms} ms)${bad.length ? `  PROBLEMS: ${bad.join(' ; ').slice(0, 600)}` : ''}\n`);
  },
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);

const out: string[] = [];
out.push(
  `Hostile input for the issue-9 sources: ${results.length} cases in ${seconds} s. Each case starts from a repository holding a good ` +
    'backup of that source, runs `sync` once with the hostile input, then once clean. "outcome": finished, failed clearly ' +
    '(a typed error or per-item failures naming what was wrong, no stack trace, no "undefined"), or safe path (hostile names ' +
    'backed up under paths whose every segment passes `isSafeSegment`). damas answers are mangled by a loopback proxy in front ' +
    'of the simulator; Pivotal exports are written as pt_backup.py does; the old sync data as projectplace_workspace_sync does.',
  '',
  markdownTable(results),
  '',
);
const all = results.flatMap((r) => problems(r).map((p) => `${r.hostile.source}: ${r.hostile.input}: ${p}`));
if (all.length) {
  out.push('### Problems', '');
  for (const p of all) out.push(`- ${p.replace(/\n/g, ' ').slice(0, 700)}`);
  out.push('');
}
process.stdout.write(out.join('\n') + '\n');
process.exitCode = all.length > 0 ? 1 : 0;
