// `workspace-backup sim <service> ...`: runs a simulator on its own, for trying the CLI by hand.

import { exitCodes } from '../exit-codes.ts';
import { UsageError } from '../usage.ts';

/** Each simulator's command module (loaded only when asked for). */
const simulators: Record<string, () => Promise<{ runSimCommand(args: string[]): Promise<void> }>> = {
  projectplace: () => import('../../sim/projectplace/cli.ts'),
  prosonata: () => import('../../sim/prosonata/cli.ts'),
  damas: () => import('../../sim/damas/cli.ts'),
};

export async function runSim(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const [service, ...rest] = argv;
  if (service === '--help' || service === '-h' || service === undefined) {
    io.stdout.write(
      [
        'Usage: workspace-backup sim <service> [options]   (each takes --help)',
        '  projectplace [--port 8080] [--seed 1] [--documents 2000] [--workspaces 3] [--large <bytes,...>]',
        '  prosonata    [--port 8080] [--seed 1] [--plan 1|3|5|10|20] [--time-scale X] [--count resource=N,...]',
        '  damas        [--port 8080] [--seed 1] [--projects 3] [--assets 40] [--links 10] [--no-hostile]',
        '',
      ].join('\n'),
    );
    return service === undefined ? exitCodes.config : exitCodes.ok;
  }
  const load = Object.hasOwn(simulators, service) ? simulators[service] : undefined;
  if (!load) throw new UsageError(`unknown simulator "${service}"; available: ${Object.keys(simulators).join(', ')}`);
  await (await load()).runSimCommand(rest);
  return exitCodes.ok;
}
