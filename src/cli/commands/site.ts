// `workspace-backup render` and `workspace-backup serve`: the HTML browser of a backup repository, built and shown locally.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderRepo } from '../../engine/render/index.ts';
import { Git } from '../../engine/store/git.ts';
import { ConfigError } from '../../lib/errors.ts';
import { Logger } from '../../lib/log.ts';
import { loadConfigFile } from '../config-file.ts';
import { exitCodes } from '../exit-codes.ts';
import { serveStatic } from '../static-server.ts';
import { parseOrUsage, UsageError } from '../usage.ts';

export const renderHelp = `Usage: workspace-backup render (--config <file> | --repo <folder>) [--out <folder>] [--debug]

Builds the HTML browser of a backup repository: workspaces, folders, documents with their versions, deletions.
By default it is written to <repo>/.workspace-backup/site/ (ignored by git) and links to the files in the repository.`;

export const serveHelp = `Usage: workspace-backup serve (--config <file> | --repo <folder>) [--port <n>] [--debug]

Renders the site if needed and serves it on http://127.0.0.1:<port>/ until you press Ctrl+C.`;

function repoFrom(values: { config?: string; repo?: string }): string {
  if (values.repo) return resolve(values.repo);
  if (values.config) return loadConfigFile(values.config).repoPath;
  throw new UsageError('give --repo <folder> (the backup repository) or --config <file>');
}

/** Renders the site of the repo at HEAD into outDir (default <repo>/.workspace-backup/site), kept out of git. */
export async function renderRepoSite(repoDir: string, outDir?: string, logger?: Logger): Promise<{ outDir: string; pages: number; written: number }> {
  const git = new Git(repoDir, logger);
  if (!(await git.resolve('HEAD'))) throw new ConfigError(`${repoDir} has no backup yet: run sync first`);
  const out = outDir ? resolve(outDir) : join(repoDir, '.workspace-backup', 'site');
  await mkdir(out, { recursive: true });
  if (!outDir) {
    const exclude = join(await git.gitDir(), 'info', 'exclude');
    const current = await readFile(exclude, 'utf8').catch(() => '');
    if (!current.split('\n').includes('/.workspace-backup/site/')) {
      await mkdir(join(exclude, '..'), { recursive: true });
      await appendFile(exclude, `${current && !current.endsWith('\n') ? '\n' : ''}/.workspace-backup/site/\n`);
    }
  }
  const r = await renderRepo(git, 'HEAD', { links: { mode: 'local', repoDir } }, out);
  return { outDir: out, pages: r.pages, written: r.written };
}

export async function runRender(argv: string[], io: { stdout: NodeJS.WriteStream }): Promise<number> {
  const { values } = parseOrUsage(() => parseArgs({ args: argv, options: { ...common, out: { type: 'string' } }, strict: true }), renderHelp);
  if (values.help) {
    io.stdout.write(renderHelp + '\n');
    return exitCodes.ok;
  }
  const r = await renderRepoSite(repoFrom(values), values.out, debugLogger(values.debug));
  io.stdout.write(`Site: ${join(r.outDir, 'index.html')} (${r.pages} pages, ${r.written} written)\n`);
  return exitCodes.ok;
}

export async function runServe(argv: string[], io: { stdout: NodeJS.WriteStream }): Promise<number> {
  const { values } = parseOrUsage(() => parseArgs({ args: argv, options: { ...common, port: { type: 'string' } }, strict: true }), serveHelp);
  if (values.help) {
    io.stdout.write(serveHelp + '\n');
    return exitCodes.ok;
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port is ${JSON.stringify(values.port)}; expected a port number`);
  const r = await renderRepoSite(repoFrom(values), undefined, debugLogger(values.debug));
  const { server, url } = await serveStatic(r.outDir, port);
  io.stdout.write(`Serving the backup's site at ${url} (Ctrl+C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = () => server.close(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return exitCodes.ok;
}

const common = { config: { type: 'string', short: 'c' }, repo: { type: 'string' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** With --debug, every git command goes to stderr (as sync's --debug does). */
function debugLogger(on: boolean | undefined): Logger | undefined {
  return on ? new Logger({ debug: true, sink: (_level, line) => process.stderr.write(line + '\n') }) : undefined;
}
