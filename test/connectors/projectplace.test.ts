// The Projectplace connector passes the shared conformance suite against the simulator, with each auth mode.

import { ProjectplaceConnector } from '../../src/connectors/projectplace/index.ts';
import { startSim } from '../helpers/env.ts';
import { connectorConformance } from './conformance.ts';

for (const auth of ['oauth1', 'oauth2'] as const) {
  connectorConformance(`projectplace (${auth})`, async () => {
    const fx = await startSim({ seed: 31, documents: 25 });
    const c = fx.sim.credentials;
    const fast = { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } };
    const make = (secret: string) =>
      new ProjectplaceConnector(
        {
          host: fx.sim.url,
          auth:
            auth === 'oauth1'
              ? { kind: 'oauth1', consumerKey: c.consumerKey, consumerSecret: secret, accessToken: c.accessToken, accessTokenSecret: c.accessTokenSecret }
              : { kind: 'oauth2', clientId: c.clientId, clientSecret: secret },
        },
        fast,
      );
    return {
      connector: make(auth === 'oauth1' ? c.consumerSecret : c.clientSecret),
      badCredentials: make('not-the-secret'),
      contentSha256: (item) => fx.control.sha256(item.id),
      breakListing: () => fx.control.faults([{ path: '^/1/projects/\\d+/documents$', kind: '500', rate: 1 }]),
      heal: () => fx.control.clearFaults(),
      close: () => fx.close(),
    };
  });
}
