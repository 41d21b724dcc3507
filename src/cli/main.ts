#!/usr/bin/env node
// The command-line entry: declares the commands and maps every outcome to an exit code; each command lives in commands/.

import { maskSecrets } from '../lib/log.ts';
import { exitCodeFor, exitCodes } from './exit-codes.ts';

const help = `workspace-backup: a versioned git backup of Projectplace, browsable and complete.

Usage: workspace-backup <command> [options]

Commands:
  sync   --config <file>     back up now (only new and changed documents are downloaded)
  verify --config <file>     check the backup against its manifest; --read-data reads every byte (or --repo <folder>)
  restore --config <file>    get a document (--id, --path) or a workspace (--workspace) back, as of --at <date>
  render --config <file>     build the HTML browser of the backup (or --repo <folder>)
  serve  --config <file>     build it and serve it on http://127.0.0.1:8080/
  import pivotal <folder> | projectplace-sync --data <.data> --files <localdata>
                             bring in what older tools kept (a Pivotal Tracker export, the old sync tool's files)
  demo   [--dir <folder>]    a full demo against the built-in Projectplace simulator (what npm start runs)
  sim    <service> [...]     a simulator on its own: projectplace, prosonata or damas (see sim --help)

Run 'workspace-backup <command> --help' for a command's options.
Example configuration (backup.json):
  { "host": "https://api.projectplace.com", "client-id": "...", "client-secret": "...", "repo-path": "./backup" }
Secrets may instead come from the environment: WORKSPACE_BACKUP_CLIENT_SECRET, WORKSPACE_BACKUP_CONSUMER_SECRET, ...

Exit codes: 0 done, 1 unexpected error, 2 bad command line or configuration, 3 credentials refused,
4 sync finished with failures, 5 stopped by a service or repository error, 6 verify found errors in the backup
(or restore found the data it needs missing or damaged).`;

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'sync':
        return await (await import('./commands/sync.ts')).runSync(rest, io);
      case 'verify':
        return await (await import('./commands/verify.ts')).runVerify(rest, io);
      case 'restore':
        return await (await import('./commands/restore.ts')).runRestore(rest, io);
      case 'render':
        return await (await import('./commands/site.ts')).runRender(rest, io);
      case 'serve':
        return await (await import('./commands/site.ts')).runServe(rest, io);
      case 'import':
        return await (await import('./commands/import.ts')).runImport(rest, io);
      case 'demo':
        return await (await import('./commands/demo.ts')).runDemo(rest, io);
      case 'sim':
        return await (await import('./commands/sim.ts')).runSim(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(help + '\n');
        return command === undefined ? exitCodes.config : exitCodes.ok;
      case '--version':
        io.stdout.write('workspace-backup 0.1.0\n');
        return exitCodes.ok;
      default:
        io.stderr.write(`unknown command "${command}"\n\n${help}\n`);
        return exitCodes.config;
    }
  } catch (e) {
    const code = exitCodeFor(e);
    const message = maskSecrets((e as Error)?.message ?? String(e));
    if (code === exitCodes.internal) {
      io.stderr.write(`error: ${message}\nThis looks like a bug in workspace-backup; please report it with the command you ran.\n${maskSecrets((e as Error)?.stack ?? '')}\n`);
    } else {
      io.stderr.write(`error: ${message}\n`);
    }
    return code;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
