// `workspace-backup verify`: checks a backup repository against its manifest and prints each problem with its fix.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyBackup, type VerifyReport } from '../../engine/verify.ts';
import { Logger } from '../../lib/log.ts';
import { loadConfigFile } from '../config-file.ts';
import { exitCodes } from '../exit-codes.ts';
import { formatBytes } from '../progress.ts';
import { parseOrUsage, UsageError } from '../usage.ts';

export const verifyHelp = `Usage: workspace-backup verify (--config <file> | --repo <folder>) [options]

Checks the backup repository against its manifest, without changing anything and without fetching:
every manifest line parses, every document is in the tree with the right size, no unknown file sits in the
backup's folders, LFS pointers match and their objects are present, the state cache matches.

Options:
  -c, --config <file>   the configuration file of the backup (repo-path, branch, state-path)
      --repo <folder>   the backup repository, instead of --config
      --branch <name>   the branch to check (default: the configuration's, else main)
      --read-data       also read every document's bytes (git blobs and LFS objects) and check their sha256
      --json            print the report as JSON on stdout
      --debug           log every git command
  -q, --quiet           print only problems and the summary line
  -h, --help            this help

Exit codes: 0 no errors (warnings, such as a stale state cache, do not fail), 6 the backup has errors
(each is printed with what to do), 2 bad command line, configuration, or no backup at that place, 1 unexpected error.`;

export async function runVerify(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const parsed = parseOrUsage(
    () =>
      parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          repo: { type: 'string' },
          branch: { type: 'string' },
          'read-data': { type: 'boolean' },
          json: { type: 'boolean' },
          debug: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }),
    verifyHelp,
  );
  const o = parsed.values;
  if (o.help) {
    io.stdout.write(verifyHelp + '\n');
    return exitCodes.ok;
  }
  if (!o.config === !o.repo) throw new UsageError(`verify needs --config <file> or --repo <folder> (one of them)\n\n${verifyHelp}`);
  const config = o.config ? loadConfigFile(o.config) : undefined;
  const logger = new Logger({ debug: o.debug ?? false, sink: (_level, line) => io.stderr.write(line + '\n') });
  let last = Date.now();
  const report = await verifyBackup({
    repoDir: config ? config.repoPath : resolve(o.repo!),
    branch: o.branch ?? config?.branch,
    statePath: config?.statePath,
    readData: o['read-data'] ?? false,
    logger,
    onProgress: (done, total) => {
      if (o.quiet || o.json || Date.now() - last < 5000 || done === total) return;
      last = Date.now();
      io.stderr.write(`reading ${done}/${total} files\n`);
    },
  });
  if (o.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else io.stdout.write(describeVerify(report, o.quiet ?? false) + '\n');
  return report.ok ? exitCodes.ok : exitCodes.verifyFailed;
}

/** The human report: what was checked, each problem with its fix, one summary line. */
export function describeVerify(r: VerifyReport, quiet = false): string {
  const lines: string[] = [];
  const c = r.checked;
  if (!quiet) {
    lines.push(`Verified ${r.repoDir} (branch ${r.branch} at ${r.head.slice(0, 12)}${r.readData ? ', every byte read' : ''}):`);
    lines.push(`  ${c.entries} manifest entries, ${c.files} files, ${c.lfsObjects} LFS objects${r.readData ? `, ${formatBytes(c.bytes)} read and hashed` : ''}`);
    if (c.notLocal > 0) lines.push(`  ${c.notLocal} files are not stored locally (partial clone): their sizes were not checked; --read-data reports them`);
  }
  for (const p of r.problems) {
    lines.push(`${p.severity === 'error' ? 'ERROR' : 'warning'} ${p.kind}${p.path ? ` ${p.path}` : ''}${p.id ? ` (id ${p.id})` : ''}`);
    lines.push(`  ${p.detail}`);
    lines.push(`  fix: ${p.fix}`);
  }
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.length - errors;
  if (r.ok) lines.push(`OK: no errors${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.${r.readData ? '' : ' Add --read-data to check every byte.'}`);
  else lines.push(`FAILED: ${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}. Each is listed above with what to do.`);
  return lines.join('\n');
}
