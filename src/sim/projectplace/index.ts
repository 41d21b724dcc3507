// Public entry of the Projectplace simulator: start a server on loopback over a generated account; re-exports for tests.

import { listenOnLoopback } from '../common/loopback.ts';
import { createState } from './generator.ts';
import type { Credentials, SimState, Switches } from './model.ts';
import { createSimServer } from './server.ts';

export interface SimOptions {
  /** Default 1. */
  seed?: number;
  /** Default 3 (the last one archived when >= 3). */
  workspaces?: number;
  /** Total documents across workspaces (hostile-named ones included), default 40. */
  documents?: number;
  /** Extra documents with these exact sizes in bytes, in the first workspace's root. */
  largeDocuments?: number[];
  /** Multiplies ordinary documents' generated sizes (default 1). */
  documentSizeScale?: number;
  /** Default true: include names that break naive writers and renderers. */
  hostileNames?: boolean;
  /** Default 0 (any free port). */
  port?: number;
  switches?: Partial<Switches>;
  credentials?: Partial<Credentials>;
}

export interface RunningSim {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  credentials: Credentials;
  close(): Promise<void>;
  /** Direct access for in-process tests. */
  state: SimState;
}

export async function startProjectplaceSim(opts: SimOptions = {}): Promise<RunningSim> {
  const state = createState(
    {
      ...(opts.seed !== undefined && { seed: opts.seed }),
      ...(opts.workspaces !== undefined && { workspaces: opts.workspaces }),
      ...(opts.documents !== undefined && { documents: opts.documents }),
      ...(opts.largeDocuments !== undefined && { largeDocuments: opts.largeDocuments }),
      ...(opts.documentSizeScale !== undefined && { documentSizeScale: opts.documentSizeScale }),
      ...(opts.hostileNames !== undefined && { hostileNames: opts.hostileNames }),
    },
    opts.switches,
    opts.credentials,
  );
  const server = createSimServer(state);
  const { port, close } = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    credentials: state.credentials,
    state,
    close,
  };
}

export { documentSha256, versionSha256, versionStream, contentTypeFor } from './content.ts';
export { advanceClock, clearRequests, dumpState, getRequests, setSwitches } from './control.ts';
export { clearFaults, setFaults } from './faults.ts';
export { HOSTILE_KINDS, PHANTOM_ID_BASE, WRONG_TYPE_VARIANTS } from './hostile.ts';
export { clearTriggers, parseTriggers, setTriggers } from './triggers.ts';
export { createState, defaultCredentials, generateAccount, HOSTILE_DOCUMENT_NAMES, resetState } from './generator.ts';
export { mutate, MutationError, parseMutation, type MutateOp } from './mutate.ts';
export {
  defaultSwitches,
  type Credentials,
  type FaultKind,
  type FaultRule,
  type GeneratorOptions,
  type HostileKind,
  type TriggerRule,
  type WrongTypeVariant,
  type Item,
  type ItemKind,
  type RequestLogEntry,
  type SimState,
  type Switches,
  type User,
  type Version,
  type Workspace,
} from './model.ts';
