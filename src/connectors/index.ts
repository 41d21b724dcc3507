// The connectors the configuration names, in its order: the one place that knows every kind of source.

import type { Connector } from '../engine/model.ts';
import type { RateLimiter } from '../lib/http/limiter.ts';
import type { Logger } from '../lib/log.ts';
import type { SourceConfig } from '../settings/backup-config.ts';
import { ProjectplaceConnector } from './projectplace/index.ts';
import { ProsonataConnector } from './prosonata/index.ts';
import { DamasConnector } from './damas/index.ts';

export function createConnectors(sources: SourceConfig[], deps: { limiter: RateLimiter; logger: Logger }): Connector[] {
  return sources.map((s) => {
    switch (s.type) {
      case 'projectplace':
        return new ProjectplaceConnector(s.settings, deps);
      case 'prosonata':
        // ProSonata paces itself against its own per-window budget (apiLimitRemaining), not the shared limiter.
        return new ProsonataConnector(s.settings, { logger: deps.logger });
      case 'damas':
        // One request at a time, and damas has no rate limit of its own: the shared limiter is not needed.
        return new DamasConnector(s.settings, { logger: deps.logger });
    }
  });
}
