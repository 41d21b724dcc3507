// `workspace-backup sim projectplace ...`: runs a simulator on its own, for trying the CLI by hand.

import { exitCodes } from '../exit-codes.ts';
import { UsageError } from '../usage.ts';

export async function runSim(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const [service, ...rest] = argv;
  if (service === '--help' || service === '-h' || service === undefined) {
    io.stdout.write('Usage: workspace-backup sim projectplace [--port 8080] [--seed 1] [--documents 2000] [--workspaces 3] [--large <bytes,...>]\n');
    return service === undefined ? exitCodes.config : exitCodes.ok;
  }
  if (service !== 'projectplace') throw new UsageError(`unknown simulator "${service}"; available: projectplace`);
  const { runSimCommand } = await import('../../sim/projectplace/cli.ts');
  await runSimCommand(rest);
  return exitCodes.ok;
}
