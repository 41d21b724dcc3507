// `sim prosonata` command: starts the simulator from command-line options and runs until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { parseSwitches } from './control.ts';
import { startProsonataSim } from './index.ts';
import { isResourceName, PLAN_LIMITS, RESOURCES, type Plan, type ResourceName } from './model.ts';
import { stopSignal } from '../common/stop-signal.ts';

const USAGE = `usage: sim prosonata [--port N] [--seed N] [--plan 1|3|5|10|20] [--time-scale X]
                      [--count resource=N,...] [--switches JSON]`;

function number(name: string, value: string | undefined, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isSafeInteger(n))) throw new Error(`--${name}: expected a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}\n${USAGE}`);
  return n;
}

function counts(value: string | undefined): Partial<Record<ResourceName, number>> | undefined {
  if (value === undefined) return undefined;
  const out: Partial<Record<ResourceName, number>> = {};
  for (const part of value.split(',')) {
    const [name, n] = part.split('=').map((s) => s.trim());
    if (!name || !isResourceName(name)) throw new Error(`--count: unknown resource ${JSON.stringify(name)}; expected one of ${RESOURCES.join(', ')}`);
    out[name] = number('count', n) as number;
  }
  return out;
}

export async function runSimCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      plan: { type: 'string' },
      'time-scale': { type: 'string' },
      count: { type: 'string' },
      switches: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const plan = number('plan', values.plan);
  if (plan !== undefined && !(plan in PLAN_LIMITS)) throw new Error(`--plan: expected one of ${Object.keys(PLAN_LIMITS).join(', ')}\n${USAGE}`);
  const sim = await startProsonataSim({
    port: number('port', values.port),
    seed: number('seed', values.seed),
    plan: plan as Plan | undefined,
    timeScale: number('time-scale', values['time-scale'], false),
    counts: counts(values.count),
    switches: values.switches ? parseSwitches(JSON.parse(values.switches)) : undefined,
  });
  const c = sim.credentials;
  const stopped = stopSignal();
  process.stdout.write(
    [
      `ProSonata simulator listening on ${sim.url} (API base ${sim.apiUrl})`,
      `  records: ${RESOURCES.map((r) => `${r} ${sim.state.tables[r].rows.size}`).join(', ')}`,
      `  budget: ${sim.stats().limit} calls per ${sim.state.switches.windowSeconds} s window (time scale ${sim.state.clock.timeScale})`,
      '  App-Integration (X-APP-ID + X-API-Key):',
      `    app id:  ${c.appId}`,
      `    api key: ${c.appKey}`,
      '  personal keys (X-API-Key):',
      ...c.personalKeys.map((k) => `    ${k.usergroup.padEnd(15)} user ${k.userID}: ${k.key}`),
      `  control API: ${sim.url}/__sim/state, /__sim/records/<resource>, /__sim/switches, /__sim/stats, /__sim/requests, /__sim/clock, /__sim/faults`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopped;
  await sim.close();
}
