// `workspace-backup import`: brings what older tools kept into the backup repository through the same engine as a
// sync: a Pivotal Tracker export (pt_backup.py folders) or the old Projectplace sync tool's `.data` and files.

import { parseArgs } from 'node:util';
import { createConnectors } from '../../connectors/index.ts';
import { createPivotalImportConnector } from '../../connectors/pivotal-import/index.ts';
import { createProjectplaceSyncImport, referenceFromConnector } from '../../connectors/projectplace-sync-import/index.ts';
import type { Connector } from '../../engine/model.ts';
import { sync } from '../../engine/sync.ts';
import { RateLimiter } from '../../lib/http/limiter.ts';
import { loadConfigFile } from '../config-file.ts';
import { exitCodes } from '../exit-codes.ts';
import { createProgress } from '../progress.ts';
import { parseOrUsage, UsageError } from '../usage.ts';
import { describeReport, runLogger } from './sync.ts';

export const importHelp = `Usage:
  workspace-backup import pivotal <export folder> (--config <file> | --repo <folder>) [options]
  workspace-backup import projectplace-sync --data <.data> --files <localdata> (--config <file> | --repo <folder>) [options]

pivotal            a Pivotal Tracker export written by pt_backup.py: one project folder (memberships.json, stories.json,
                   ..., attachments/) or a folder of them. Stories become Markdown files under "Pivotal Tracker/<project>/",
                   dated and authored from the export. Importing the same export again changes nothing; a newer
                   export of a project gives exactly what changed.
projectplace-sync  what the old Projectplace sync tool (projectplace_workspace_sync) kept: its SQLite file .data and its
                   localdata/<workspace id>/<document id>.<ext> files. Documents land where a live backup keeps them
                   ("Projectplace/<workspace>/<folder>/<file>"), with their modifier and time, so the next sync
                   downloads none the old tool already had. Nothing the backup already holds is changed or deleted.
                   With --config naming Projectplace credentials, the live account is listed first and each old file
                   is checked against it (a damaged file is skipped and reported, the next sync fetches it).

Options:
  -c, --config <file>            the backup's configuration (its repo-path, branch and Projectplace credentials)
      --repo <folder>            the backup repository, instead of --config
      --branch <name>            the branch (default: the configuration's, else main)
      --allow-missing-attachments  pivotal: import a story whose attachment file is missing (noted in the story)
      --dry-run                  read and plan only, print what would change
      --json                     print the run report as JSON on stdout
      --debug                    log every git command
  -q, --quiet                    no progress output
  -h, --help                     this help

Exit codes: 0 done, 2 bad command line, configuration or export folder, 4 finished with documents left out
(each is printed with why), 5 the export is damaged (nothing was imported), 1 unexpected error.`;

export async function runImport(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const parsed = parseOrUsage(
    () =>
      parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          repo: { type: 'string' },
          branch: { type: 'string' },
          data: { type: 'string' },
          files: { type: 'string' },
          'allow-missing-attachments': { type: 'boolean' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          debug: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: true,
      }),
    importHelp,
  );
  const o = parsed.values;
  if (o.help) {
    io.stdout.write(importHelp + '\n');
    return exitCodes.ok;
  }
  const [kind, ...rest] = parsed.positionals;
  if (!o.config === !o.repo) throw new UsageError(`import needs --config <file> or --repo <folder> (one of them)\n\n${importHelp}`);
  const config = o.config ? loadConfigFile(o.config) : undefined;
  const repoDir = o.repo ?? config!.repoPath;
  const human = o.json ? io.stderr : io.stdout;
  const logger = runLogger(o, io);

  let connector: Connector;
  let problems: () => string[] = () => [];
  if (kind === 'pivotal') {
    if (rest.length !== 1) throw new UsageError(`import pivotal needs one export folder\n\n${importHelp}`);
    if (o.data || o.files) throw new UsageError('--data and --files belong to import projectplace-sync');
    connector = createPivotalImportConnector(rest[0]!, { logger, allowMissingAttachments: o['allow-missing-attachments'] ?? false });
  } else if (kind === 'projectplace-sync') {
    if (rest.length !== 0) throw new UsageError(`import projectplace-sync takes no folder argument: use --data <.data> --files <localdata>\n\n${importHelp}`);
    if (!o.data || !o.files) throw new UsageError(`import projectplace-sync needs --data <.data> and --files <localdata>\n\n${importHelp}`);
    const live = config?.sources.find((s) => s.type === 'projectplace');
    let reference;
    if (live) {
      logger.info('listing the live Projectplace account to check the old files against it…');
      const [projectplace] = createConnectors([live], { limiter: new RateLimiter({ concurrency: config!.concurrency }), logger });
      reference = await referenceFromConnector(projectplace!);
    }
    const imported = createProjectplaceSyncImport({ dataPath: o.data, filesDir: o.files, logger, ...(reference ? { reference } : {}) });
    problems = () => imported.problems;
    connector = imported;
  } else {
    throw new UsageError(`import what? "pivotal" or "projectplace-sync"${kind ? `, not "${kind}"` : ''}\n\n${importHelp}`);
  }

  const progress = createProgress(human, { quiet: o.quiet || o['dry-run'] });
  let report;
  try {
    report = await sync({
      connector,
      repoDir,
      branch: o.branch ?? config?.branch,
      ...(config ? { lfsThreshold: config.lfsThreshold, statePath: config.statePath } : {}),
      dryRun: o['dry-run'],
      logger,
      onProgress: progress.update,
    });
  } finally {
    progress.end();
  }
  if (o.json) io.stdout.write(JSON.stringify({ ...report, problems: problems() }, null, 2) + '\n');
  else {
    human.write(describeReport(report) + '\n');
    for (const p of problems()) human.write(`  left out: ${p}\n`);
  }
  return report.complete ? exitCodes.ok : exitCodes.partial;
}
