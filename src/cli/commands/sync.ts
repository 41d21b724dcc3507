// `workspace-backup sync`: one backup run from a configuration file.

import { parseArgs } from 'node:util';
import { createConnectors } from '../../connectors/index.ts';
import { RateLimiter } from '../../lib/http/limiter.ts';
import { Logger, maskSecrets } from '../../lib/log.ts';
import type { SyncReport } from '../../engine/sync.ts';
import { outcomesJson, syncSources, type SourceOutcome } from '../../engine/sync-sources.ts';
import { loadConfigFile } from '../config-file.ts';
import { exitCodeFor, exitCodes } from '../exit-codes.ts';
import { createProgress, formatBytes } from '../progress.ts';
import { parseOrUsage, UsageError } from '../usage.ts';

export const syncHelp = `Usage: workspace-backup sync --config <file> [options]

Backs up the configuration's sources (Projectplace, ProSonata) into the git repository it names, one after another.
Only new and changed documents are downloaded; deleted documents stay in the backup.

Options:
  -c, --config <file>   JSON configuration (see README: host, credentials, repo-path, ...)
      --dry-run         list and plan, print what would change, download and write nothing
      --full-resync     download every document again and repair any difference (deletes nothing)
      --json            print the run report as JSON on stdout (progress goes to stderr)
      --debug           log every request and git command (secrets are masked)
  -q, --quiet           no progress output
  -h, --help            this help

Exit codes: 0 done, 2 bad configuration, 3 credentials refused, 4 finished with failures
(what failed is retried next run), 5 stopped by a service or repository error, 1 unexpected error.
With several sources, one that stops does not stop the others; the exit code is then that source's.`;

export async function runSync(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const parsed = parseOrUsage(
    () =>
      parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          'dry-run': { type: 'boolean' },
          'full-resync': { type: 'boolean' },
          json: { type: 'boolean' },
          debug: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }),
    syncHelp,
  );
  const o = parsed.values;
  if (o.help) {
    io.stdout.write(syncHelp + '\n');
    return exitCodes.ok;
  }
  if (!o.config) throw new UsageError(`sync needs --config <file>\n\n${syncHelp}`);
  const config = loadConfigFile(o.config);
  const human = o.json ? io.stderr : io.stdout;
  const logger = runLogger(o, io);
  const limiter = new RateLimiter({ concurrency: config.concurrency });
  const connectors = createConnectors(config.sources, { limiter, logger });
  const progress = createProgress(human, { quiet: o.quiet || o['dry-run'] });
  let outcomes: SourceOutcome[];
  try {
    outcomes = await syncSources(connectors, {
      repoDir: config.repoPath,
      branch: config.branch,
      statePath: config.statePath,
      lfsThreshold: config.lfsThreshold,
      concurrency: config.concurrency,
      dryRun: o['dry-run'],
      verifyAll: o['full-resync'],
      deadline: config.maxRunMinutes ? Date.now() + config.maxRunMinutes * 60_000 : undefined,
      logger,
      onProgress: progress.update,
    });
  } finally {
    progress.end();
  }
  const reports = outcomes.flatMap((x) => (x.report ? [x.report] : []));
  if (o.json) {
    io.stdout.write(JSON.stringify(outcomesJson(outcomes), null, 2) + '\n');
  } else {
    for (const x of outcomes) human.write((x.report ? describeReport(x.report) : `Backup of ${x.source} STOPPED: ${maskSecrets(x.error!.message)}`) + '\n');
  }
  const stopped = outcomes.find((x) => x.error);
  if (stopped) return exitCodeFor(stopped.error);
  return reports.every((r) => r.complete) ? exitCodes.ok : exitCodes.partial;
}

/** A run's log: info lines on stdout (stderr when stdout carries --json), warnings and errors on stderr, labelled. */
export function runLogger(o: { debug?: boolean; json?: boolean }, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Logger {
  return new Logger({
    debug: o.debug ?? false,
    sink: (level, line) => (level === 'info' && !o.json ? io.stdout : io.stderr).write((level === 'warn' ? 'warning: ' : level === 'error' ? 'error: ' : '') + line + '\n'),
  });
}

/** The human summary of a run. */
export function describeReport(r: SyncReport): string {
  const c = r.counts;
  const lines: string[] = [];
  lines.push(r.dryRun ? 'Dry run: nothing was downloaded or written. The plan:' : `Backup of ${r.source} ${r.complete ? 'complete' : 'INCOMPLETE'}.`);
  const parts = (['new', 'modified', 'renamed', 'moved', 'deleted', 'archived', 'unarchived', 'restored', 'verify'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k === 'verify' ? 're-verified' : k}`);
  lines.push(`  changes: ${parts.join(', ') || 'none'}; ${c.unchanged} unchanged`);
  if (!r.dryRun) {
    lines.push(`  downloaded ${r.documentsDownloaded} documents (${formatBytes(r.bytesDownloaded)}), ${r.commits} commits${r.commitSha ? `, now at ${r.commitSha.slice(0, 12)}` : ''}`);
  }
  if (r.stateRebuilt && r.headBefore) lines.push('  state was rebuilt from the repository manifest');
  const shown = r.changes.filter((ch) => ch.kind !== 'folder' && ch.kind !== 'workspace' || ch.type !== 'new').slice(0, r.dryRun ? 200 : 30);
  for (const ch of shown) lines.push(`  ${ch.type.padEnd(10)} ${ch.from ? `${ch.from} → ` : ''}${ch.path}`);
  const hidden = r.changes.length - shown.length + (r.changesOmitted ?? 0);
  if (hidden > 0) lines.push(`  … and ${hidden} more (${r.changesOmitted ? 'git log has every one' : 'use --json for all'})`);
  if (c.skipped) lines.push(`  ${c.skipped} documents left for the next run (time budget reached)`);
  for (const f of r.failures) lines.push(`  FAILED ${f.action} ${f.path}: ${f.error}`);
  if (r.failures.length) lines.push('  What failed is retried on the next run; nothing already backed up was changed.');
  return lines.join('\n');
}
