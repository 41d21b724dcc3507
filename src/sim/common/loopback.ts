// Every simulator's HTTP server: listening on 127.0.0.1 only, and closed once however many callers ask.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  port: number;
  /** Stops accepting, drops open connections, resolves when the server has closed; the same promise every call. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (`port` 0: any free port); rejects when the port cannot be had. */
export async function listenOnLoopback(server: Server, port = 0): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
