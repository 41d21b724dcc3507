// `npm run campaign:crash`: kill -9 a backup of a large simulated account at every crash point, and prove after each
// that a normal run completes, verify --read-data passes and the repo equals an uninterrupted run's. Prints a
// markdown table; exits 1 on any failure (a point never reached counts as a failure: it was not covered).
//
//   node scripts/campaign-crash.ts [--short] [--only <substring>] [--keep]
//     --short   the CI set on the small account (what test/reliability/crash.test.ts runs)
//     --only    only the points (of all of them) whose label contains this text (repeatable)
//     --keep    keep every work folder (repos, remotes, job folders) for inspection

import { parseArgs } from 'node:util';
import { allPoints, campaignTable, longScale, pointLabel, runCrashCampaign, shortPoints, shortScale } from '../test/reliability/crash-campaign.ts';

const { values } = parseArgs({
  options: { short: { type: 'boolean' }, only: { type: 'string', multiple: true }, keep: { type: 'boolean' } },
  strict: true,
});
const scale = values.short ? shortScale : longScale;
// --only picks from every point (on the account --short chooses), so one point can be rerun on the small account.
let points = values.short ? shortPoints : allPoints;
if (values.only?.length) points = allPoints.filter((p) => values.only!.some((o) => pointLabel(p).includes(o)));
if (points.length === 0) {
  process.stderr.write('no kill point matches --only\n');
  process.exit(2);
}

process.stderr.write(`crash campaign: ${points.length} kill points on the ${scale.name} account (${JSON.stringify(scale.sim)}, LFS above ${scale.lfsThreshold} bytes)\n`);
const result = await runCrashCampaign(scale, points, { log: (l) => process.stderr.write(l + '\n'), keep: values.keep });
const failed = result.rows.filter((r) => !r.ok);
const ref = result.reference;
process.stdout.write(
  [
    `## Crash campaign (${scale.name} account)`,
    '',
    `Account: ${ref.documents} documents in the manifest, ${ref.files} files at the tip (${ref.lfsObjects} in LFS), ${ref.commits} commits in the uninterrupted reference; ` +
      `${result.rows.length} kill points, ${result.rows.filter((r) => r.reached).length} reached, ${result.rows.length - failed.length} passed, ${result.seconds.toFixed(0)} s in all.`,
    '',
    campaignTable(result),
    '',
    ...(failed.length ? ['### Failures', '', ...failed.flatMap((r) => [`- ${pointLabel(r.kill)}:`, ...r.problems.slice(0, 10).map((p) => `  - ${p}`)]), ''] : []),
  ].join('\n') + '\n',
);
process.exitCode = result.ok ? 0 : 1;
