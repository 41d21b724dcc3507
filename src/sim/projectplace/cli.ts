// `sim projectplace` command: starts the simulator from command-line options and runs until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { parseSwitches } from './control.ts';
import { startProjectplaceSim } from './index.ts';
import { stopSignal } from '../common/stop-signal.ts';
import { nonNegativeInteger } from '../common/cli-options.ts';

const USAGE = `usage: sim projectplace [--port N] [--seed N] [--documents N] [--workspaces N] [--large BYTES,...]
                        [--no-hostile-names] [--switches JSON]`;

const intOption = (name: string, value: string | undefined) => nonNegativeInteger(name, value, USAGE);

export async function runSimCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    allowNegative: true,
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      documents: { type: 'string' },
      workspaces: { type: 'string' },
      large: { type: 'string' },
      'hostile-names': { type: 'boolean', default: true },
      switches: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const large = values.large
    ? values.large.split(',').map((s) => intOption('large', s.trim()) as number)
    : undefined;
  const sim = await startProjectplaceSim({
    port: intOption('port', values.port),
    seed: intOption('seed', values.seed),
    documents: intOption('documents', values.documents),
    workspaces: intOption('workspaces', values.workspaces),
    largeDocuments: large,
    hostileNames: values['hostile-names'],
    switches: values.switches ? parseSwitches(JSON.parse(values.switches)) : undefined,
  });
  const c = sim.credentials;
  const stopped = stopSignal();
  process.stdout.write(
    [
      `Projectplace simulator listening on ${sim.url}`,
      `  documents: ${[...sim.state.items.values()].filter((i) => i.kind === 'document').length}, workspaces: ${sim.state.workspaces.size}`,
      '  OAuth1 robot:',
      `    consumer key:        ${c.consumerKey}`,
      `    consumer secret:     ${c.consumerSecret}`,
      `    access token:        ${c.accessToken}`,
      `    access token secret: ${c.accessTokenSecret}`,
      '  OAuth2 client credentials:',
      `    client id:           ${c.clientId}`,
      `    client secret:       ${c.clientSecret}`,
      `  control API: ${sim.url}/__sim/requests, /__sim/mutate, /__sim/faults, /__sim/triggers, /__sim/switches, /__sim/state, /__sim/clock`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopped;
  await sim.close();
}
