// Backs up several sources into one repo, one after another: each is an ordinary sync (its own folder, manifest and
// state entries) starting from the commit the previous one left.

import type { Connector } from './model.ts';
import { sync, type SyncOptions, type SyncReport } from './sync.ts';
import { DiskFullError } from '../lib/errors.ts';
import { maskSecrets, silentLogger } from '../lib/log.ts';

export interface SourceOutcome {
  source: string;
  displayName: string;
  /** The run's report, when it ran to its end (complete or not). */
  report?: SyncReport;
  /** What stopped this source's run (credentials refused, service down, …); the other sources still ran. */
  error?: Error;
}

/**
 * Runs `sync` for each connector in order. With one connector its error is thrown as is. With several, a source
 * that fails is recorded and the next one still runs (one service being down must not stop the others' backups),
 * except for a full disk, which would stop them all alike.
 */
export async function syncSources(connectors: Connector[], opts: Omit<SyncOptions, 'connector'>): Promise<SourceOutcome[]> {
  const log = opts.logger ?? silentLogger;
  const out: SourceOutcome[] = [];
  for (const connector of connectors) {
    const outcome: SourceOutcome = { source: connector.source, displayName: connector.displayName };
    try {
      outcome.report = await sync({ ...opts, connector });
    } catch (e) {
      if (connectors.length === 1 || e instanceof DiskFullError) throw e;
      outcome.error = e as Error;
      log.error(`${connector.displayName}: the backup stopped: ${(e as Error).message}`);
    }
    out.push(outcome);
  }
  return out;
}

/** The run report as JSON: one source, its report as it always was; several, one entry each, with the error of any that stopped. */
export function outcomesJson(outcomes: SourceOutcome[]): unknown {
  if (outcomes.length === 1 && outcomes[0]!.report) return outcomes[0]!.report;
  return { sources: outcomes.map((x) => ({ source: x.source, ...(x.report ? { report: x.report } : { error: maskSecrets(x.error!.message) }) })) };
}
