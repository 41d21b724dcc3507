// `workspace-backup restore`: a document (any version) or a whole workspace (as of a date) out of the backup.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listVersions, restoreDocument, restoreWorkspace } from '../../engine/restore.ts';
import { Logger } from '../../lib/log.ts';
import { loadConfigFile } from '../config-file.ts';
import { exitCodes } from '../exit-codes.ts';
import { formatBytes } from '../progress.ts';
import { parseOrUsage, UsageError } from '../usage.ts';

export const restoreHelp = `Usage: workspace-backup restore (--config <file> | --repo <folder>) WHAT [WHEN] (--to <folder> | --list)

WHAT (one of):
      --id <id>            a document or link by its id in the service (also a deleted one)
      --path <path>        a document by its repo path, now or before a rename or move
                           (e.g. "Projectplace/Marketing/Plans/Budget.xlsx")
      --workspace <ws>     a whole workspace, by id, name or repo path
WHEN (default: the latest):
      --at <date>          2025-06-01 (the end of that day, UTC), 2025-06-01T14:30:00Z or 2025-06-01T14:30+02:00
                           (a time without zone is UTC). For a document: the version it had in the service at
                           that time. For a workspace: what the backup held then (the last run before that time).
      --commit <sha>       the backup as of this commit of the backup repository
Options:
      --list               print a document's versions (commit, date, author, size) instead of restoring
      --to <folder>        where to write: a document under its file name, a workspace under
                           <folder>/<workspace folder>/ keeping its folders. Never outside <folder>; never inside
                           the backup repository.
      --keep-paths         write a document under its full repo path inside <folder>
      --include-deleted    with --workspace: also write documents deleted in the service before that time
      --force              overwrite an existing file; with --workspace, write into a non-empty folder
      --source <name>      the source (e.g. projectplace) when an id exists in more than one
  -c, --config <file>      the configuration file of the backup; or --repo <folder>; --branch <name>
      --json               print what was restored (or the versions) as JSON
      --debug              log every git command
  -h, --help               this help

Exit codes: 0 restored, 2 bad command line, unknown id, path or workspace, bad date, a date before the first
backup, an unknown commit, an existing output; 6 the backup lacks the data (an LFS object not fetched, a damaged
object: the message says what to do), 1 unexpected error.`;

/** Parses --at: a date (the end of that day, UTC) or a date and time (UTC unless it names a zone). */
export function parseAtDate(text: string): Date {
  const bad = () => new UsageError(`--at ${JSON.stringify(text)} is not a date: expected 2025-06-01, 2025-06-01T14:30:00Z or 2025-06-01T14:30+02:00`);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const date = new Date(Date.UTC(y, m - 1, d, 23, 59, 59, 999));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) throw bad();
    return date;
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) throw bad();
  const zone = m[3] ? (m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(ms)) throw bad();
  const date = new Date(ms);
  // Date.parse rolls 2025-02-30 over into March; refuse instead.
  const [y, mo, d] = m[1]!.split('-').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) throw bad();
  return date;
}

export async function runRestore(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const parsed = parseOrUsage(
    () =>
      parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          repo: { type: 'string' },
          branch: { type: 'string' },
          source: { type: 'string' },
          id: { type: 'string' },
          path: { type: 'string' },
          workspace: { type: 'string' },
          at: { type: 'string' },
          commit: { type: 'string' },
          list: { type: 'boolean' },
          to: { type: 'string' },
          'keep-paths': { type: 'boolean' },
          'include-deleted': { type: 'boolean' },
          force: { type: 'boolean' },
          json: { type: 'boolean' },
          debug: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }),
    restoreHelp,
  );
  const o = parsed.values;
  if (o.help) {
    io.stdout.write(restoreHelp + '\n');
    return exitCodes.ok;
  }
  if (!o.config === !o.repo) throw new UsageError(`restore needs --config <file> or --repo <folder> (one of them)\n\n${restoreHelp}`);
  const what = [o.id !== undefined && '--id', o.path !== undefined && '--path', o.workspace !== undefined && '--workspace'].filter(Boolean);
  if (what.length !== 1) throw new UsageError(`restore needs exactly one of --id <id>, --path <path> or --workspace <ws>${what.length ? ` (got ${what.join(' and ')})` : ''}\n\n${restoreHelp}`);
  if (o.at !== undefined && o.commit !== undefined) throw new UsageError('give --at <date> or --commit <sha>, not both');
  if (o.list && o.workspace !== undefined) throw new UsageError('--list lists the versions of one document: use it with --id or --path');
  if (o.list && (o.at !== undefined || o.commit !== undefined || o.to !== undefined)) throw new UsageError('--list prints every version: leave out --at, --commit and --to');
  if (!o.list && !o.to) throw new UsageError(`restore needs --to <folder> (where to write), or --list\n\n${restoreHelp}`);
  if (o['keep-paths'] && o.workspace !== undefined) throw new UsageError('--keep-paths is for one document; a workspace always keeps its folders');
  if (o['include-deleted'] && o.workspace === undefined) throw new UsageError('--include-deleted is for --workspace');
  const at = o.at !== undefined ? parseAtDate(o.at) : undefined;
  const config = o.config ? loadConfigFile(o.config) : undefined;
  const repo = { repoDir: config ? config.repoPath : resolve(o.repo!), branch: o.branch ?? config?.branch, logger: new Logger({ debug: o.debug ?? false, sink: (_l, line) => io.stderr.write(line + '\n') }) };
  const out = (text: string, json: unknown) => io.stdout.write((o.json ? JSON.stringify(json, null, 2) : text) + '\n');

  if (o.list) {
    const { document, versions } = await listVersions({ ...repo, id: o.id, path: o.path, source: o.source });
    const lines = [`${document.kind === 'link' ? 'Link' : 'Document'} ${document.id}${document.name ? ` "${document.name}"` : ''}${document.path ? ` at ${document.path}` : ''}${document.deletedAt ? ` (deleted in ${document.source}, noticed ${document.deletedAt})` : ''}: ${versions.length} version${versions.length === 1 ? '' : 's'}`];
    for (const v of versions) {
      lines.push(`  ${v.commit.slice(0, 12)}  ${v.date}  ${v.size === undefined ? '?' : formatBytes(v.size).padStart(9)}  ${v.author.name}${v.lfs ? '  (LFS)' : ''}${v.path !== document.path ? `  as ${v.path}` : ''}`);
    }
    lines.push(`Restore one with: workspace-backup restore ${o.config ? `--config ${o.config}` : `--repo ${o.repo}`} --id ${document.id} --commit <commit> --to <folder>`);
    out(lines.join('\n'), { document, versions });
    return exitCodes.ok;
  }

  if (o.workspace !== undefined) {
    const r = await restoreWorkspace({ ...repo, workspace: o.workspace, source: o.source, at, commit: o.commit, to: o.to!, includeDeleted: o['include-deleted'], force: o.force });
    const lines = [
      `Restored workspace "${r.workspace.name}" (${r.workspace.id}) as backed up at ${r.committedAt} (commit ${r.commit.slice(0, 12)}):`,
      `  ${r.files.length} files, ${formatBytes(r.bytes)}, into ${r.folder}`,
    ];
    if (r.skippedDeleted) lines.push(`  ${r.skippedDeleted} documents deleted in the service before then were left out (--include-deleted writes them too)`);
    out(lines.join('\n'), r);
    return exitCodes.ok;
  }

  const r = await restoreDocument({ ...repo, id: o.id, path: o.path, source: o.source, at, commit: o.commit, to: o.to!, keepPaths: o['keep-paths'], force: o.force });
  out(
    `Restored ${r.repoPath} (version of ${r.version.date} by ${r.version.author.name}, commit ${r.version.commit.slice(0, 12)}${r.lfs ? ', from git LFS' : ''})\n  to ${r.file} (${formatBytes(r.size)}, sha256 ${r.sha256})`,
    r,
  );
  return exitCodes.ok;
}
