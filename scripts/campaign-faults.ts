// The long fault and hostile-input campaign: every transport fault at many rates, changes during a run, every hostile
// answer on every listing endpoint (always, the first two answers, 30 %), paging that repeats or never ends, hostile
// names; on a larger account and several seeds. Prints two markdown tables (faults, hostile input) and exits 1 when any
// run committed a wrong byte, lost a document, ended unclearly, or left a state the next clean run could not heal.
//
// Usage: npm run campaign:faults [-- --seeds 1,2 --documents 80 --workspaces 4 --rates 0.02,0.05,0.1,0.2,0.35,0.5
//                                     --concurrency 3 --only <text in a scenario id> --json <file> --no-isolate]

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allScenarios, markdownTable, problems, runScenario, tabulate, type RunOutcome, type Scenario } from '../test/reliability/campaign.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    documents: { type: 'string', default: '80' },
    workspaces: { type: 'string', default: '4' },
    rates: { type: 'string', default: '0.02,0.05,0.1,0.2,0.35,0.5' },
    concurrency: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-isolate': { type: 'boolean' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('Usage: node scripts/campaign-faults.ts [--seeds 1,2] [--documents 80] [--workspaces 4] [--rates 0.02,...] [--concurrency 3] [--only text] [--json file]\n');
  process.exit(0);
}
const numbers = (s: string) => s.split(',').map((x) => Number(x.trim())).filter((n) => Number.isFinite(n));
const seeds = numbers(values.seeds);
const rates = numbers(values.rates);
const size = { documents: Number(values.documents), workspaces: Number(values.workspaces) };
const concurrency = Math.max(1, Number(values.concurrency));

let scenarios = allScenarios(rates);
if (values.only) scenarios = scenarios.filter((s) => s.id.includes(values.only!));
const jobs: Array<{ s: Scenario; seed: number }> = seeds.flatMap((seed) => scenarios.map((s) => ({ s, seed })));

const started = Date.now();
const outcomes: RunOutcome[] = [];
const crashed: string[] = [];
let next = 0;
let finishedJobs = 0;
async function worker(): Promise<void> {
  while (next < jobs.length) {
    const { s, seed } = jobs[next++]!;
    try {
      // Every run under test in a worker thread, so a crash of its process is counted, not fatal to the campaign.
      const got = await runScenario(s, seed, size, { isolate: !values['no-isolate'] });
      outcomes.push(...got);
      const bad = got.flatMap(problems);
      finishedJobs++;
      process.stderr.write(`[${finishedJobs}/${jobs.length}] seed ${seed} ${s.id}: ${got.map((o) => o.result).join(', ')}${bad.length ? `  PROBLEMS: ${bad.join(' ; ').slice(0, 400)}` : ''}\n`);
    } catch (e) {
      finishedJobs++;
      crashed.push(`seed ${seed} ${s.id}: ${(e as Error).stack ?? e}`);
      process.stderr.write(`[${finishedJobs}/${jobs.length}] seed ${seed} ${s.id}: HARNESS ERROR ${(e as Error).message}\n`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const order = new Map(scenarios.map((s, i) => [s.id, i]));
outcomes.sort((a, b) => order.get(a.scenario.id)! - order.get(b.scenario.id)! || a.seed - b.seed);
const faults = outcomes.filter((o) => o.scenario.group === 'transport' || o.scenario.group === 'mid-run');
const hostile = outcomes.filter((o) => o.scenario.group === 'hostile' || o.scenario.group === 'names');
const minutes = ((Date.now() - started) / 60_000).toFixed(1);

const out: string[] = [];
out.push(`Fault campaign: ${seeds.length} seeds (${seeds.join(', ')}), ${size.documents} documents in ${size.workspaces} workspaces (hostile names included), ` +
  `${outcomes.length} runs under test in ${minutes} min. "runs" counts runs under test (a first backup and/or an incremental one per seed); ` +
  `"completed next run" counts the following clean runs that completed with the repo equal to the service.`);
out.push('');
if (faults.length) {
  out.push('### Faults', '', markdownTable(tabulate(faults)), '');
}
if (hostile.length) {
  out.push('### Hostile input', '', markdownTable(tabulate(hostile)), '');
}
const allProblems = outcomes.flatMap((o) => problems(o).map((p) => `seed ${o.seed} ${o.scenario.id} [${o.phase}]: ${p}`));
if (allProblems.length || crashed.length) {
  out.push('### Problems', '');
  for (const p of [...allProblems, ...crashed]) out.push(`- ${p.replace(/\n/g, ' ').slice(0, 600)}`);
  out.push('');
}
process.stdout.write(out.join('\n') + '\n');

if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      outcomes.map((o) => ({ scenario: o.scenario.id, seed: o.seed, phase: o.phase, result: o.result, detail: o.detail, stats: o.stats, problems: problems(o), ms: o.ms })),
      null,
      2,
    ),
  );
}

const wrongOrLost = outcomes.some((o) => o.wrongBytes.length + o.next.wrongBytes.length + o.lost.length + o.unsafe.length + o.outside.length > 0);
process.exitCode = wrongOrLost || allProblems.length > 0 || crashed.length > 0 ? 1 : 0;
