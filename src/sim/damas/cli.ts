// `sim damas` command: starts the damas-core simulator from command-line options and runs until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { parseSwitches } from './control.ts';
import { startDamasSim } from './index.ts';
import { stopSignal } from '../common/stop-signal.ts';
import { nonNegativeInteger } from '../common/cli-options.ts';

const USAGE = `usage: sim damas [--port N] [--seed N] [--projects N] [--assets N] [--links N]
                  [--no-hostile] [--switches JSON]`;

const count = (name: string, value: string | undefined) => nonNegativeInteger(name, value, USAGE);

export async function runSimCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    allowNegative: true,
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      projects: { type: 'string' },
      assets: { type: 'string' },
      links: { type: 'string' },
      hostile: { type: 'boolean', default: true },
      switches: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const counts = Object.fromEntries(
    Object.entries({ projects: count('projects', values.projects), assets: count('assets', values.assets), links: count('links', values.links) }).filter(([, n]) => n !== undefined),
  );
  const sim = await startDamasSim({
    port: count('port', values.port),
    seed: count('seed', values.seed),
    counts: { ...counts, hostile: values.hostile },
    switches: values.switches ? parseSwitches(JSON.parse(values.switches)) : undefined,
  });
  const admin = sim.credentials.users.find((u) => u.class === 'admin');
  const stopped = stopSignal();
  process.stdout.write(
    [
      `damas-core simulator listening on ${sim.url}`,
      `  nodes: ${sim.state.nodes.size}`,
      '  users (sign in with POST /api/signIn/, username and password):',
      ...sim.credentials.users.map((u) => `    ${u.username.padEnd(8)} ${u.class.padEnd(6)} password: ${u.password}`),
      ...(admin
        ? [
            '  a source for the backup (an admin account):',
            `    { "type": "damas", "url": "${sim.url}", "username": "${admin.username}" } with WORKSPACE_BACKUP_DAMAS_PASSWORD=${admin.password}`,
          ]
        : []),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopped;
  await sim.close();
}
