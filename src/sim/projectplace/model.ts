// The simulator's in-memory model: account, users, workspaces, items with versions, switches and run-time state.

export interface Credentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
  clientId: string;
  clientSecret: string;
}

/** Behaviours the research marks as guesses [G]; each one a switch so clients can be tested both ways. */
export interface Switches {
  /** Recursive tree: omit empty containers/documents/urls arrays. */
  omitEmptyLists: boolean;
  /** Include `size` on documents (v1 tree and v2). */
  documentSize: boolean;
  /** Include `ver_nr` on documents (v1 tree and v2). */
  documentVerNr: boolean;
  /** GET /2/documents: `modified_time` epoch seconds, or `modified` ISO-8601 string. */
  v2TimeFormat: 'epoch' | 'iso';
  /** GET /2/documents/{documentId}: the document's own object also carries `container_id` (its parent). */
  v2DocumentContainerId: boolean;
  /** GET /1/documents/{id} answers 302 to /__sim/blob/<token>. */
  downloadRedirect: boolean;
  /** GET /1/documents/{id} and blobs honour `Range: bytes=a-b` (206) and send `Accept-Ranges: bytes`. */
  acceptRanges: boolean;
  /** Error bodies: text/plain "Unauthorized: ..." or JSON {"error": "..."}. */
  errorFormat: 'text' | 'json';
  /** OAuth2 access token lifetime in seconds. */
  tokenLifetimeSeconds: number;
  /** OAuth2 token response also has `expires_in`. */
  emitExpiresIn: boolean;
  /** Default `limit` of POST /2/account/projects. */
  pageLimitDefault: number;
  /** 429 + Retry-After when a client exceeds this many requests per window. */
  rateLimit: { requests: number; windowSeconds: number } | null;
  /** OAuth1 timestamps older than this are rejected (401). */
  nonceMaxAgeSeconds: number;
  /** Added before each response. */
  latencyMs: number;
}

export const defaultSwitches: Readonly<Switches> = Object.freeze({
  omitEmptyLists: false,
  documentSize: true,
  documentVerNr: true,
  v2TimeFormat: 'epoch',
  v2DocumentContainerId: false,
  downloadRedirect: false,
  acceptRanges: false,
  errorFormat: 'text',
  tokenLifetimeSeconds: 2_592_000,
  emitExpiresIn: false,
  pageLimitDefault: 100,
  rateLimit: null,
  nonceMaxAgeSeconds: 900,
  latencyMs: 0,
});

export interface User {
  id: number;
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  /** External user (guest from another organisation): listed under `external`. */
  external: boolean;
  /** Left the account: not listed anywhere, but still named as last modifier of old versions. */
  removed: boolean;
  accountOwner: boolean;
  accountAdmin: boolean;
}

export interface Workspace {
  id: number;
  name: string;
  archived: boolean;
  /** ISO-8601 UTC. */
  creationDate: string;
}

export type ItemKind = 'folder' | 'document' | 'link';

export interface Version {
  verNr: number;
  /** Epoch seconds. */
  modifiedTime: number;
  modifier: number;
  size: number;
}

export interface Item {
  id: number;
  kind: ItemKind;
  name: string;
  workspaceId: number;
  /** Enclosing folder id; null at the workspace root. */
  parentId: number | null;
  /** Epoch seconds (documents: the latest version's). */
  modifiedTime: number;
  lastModifier: number;
  creator: number;
  /** Documents only: oldest first; the last is current. */
  versions: Version[];
  /** Links only. */
  url?: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  auth: 'oauth1' | 'oauth2' | 'none';
  bytes: number;
}

/** Transport faults: a status instead of the answer, or a body that breaks, stalls or ends early. */
export type TransportFaultKind = '429' | '500' | '502' | '503' | 'reset' | 'slow' | 'short';

/**
 * Hostile answers (a broken proxy, a half-deployed service, a serializer bug): a complete HTTP response whose body
 * is not what the endpoint promises. `truncated-json` cuts the body (Content-Length matches the cut); `invalid-json`
 * adds a trailing comma; `wrong-types` puts a value of the wrong type somewhere (see `variant`); `extra-fields` adds
 * unknown fields to every object (a client must ignore them); `html-200` is an HTML error page with status 200;
 * `empty-200` an empty body with status 200; `repeat-page` ignores `row_number` (the same page forever);
 * `endless-pages` answers every page full of workspaces never seen before.
 */
export type HostileKind = 'truncated-json' | 'invalid-json' | 'wrong-types' | 'extra-fields' | 'html-200' | 'empty-200' | 'repeat-page' | 'endless-pages';

/** For `wrong-types`: an id that is an object, a name that is a number, a list where an object belongs, or the reverse. */
export type WrongTypeVariant = 'id-object' | 'name-number' | 'list-for-object' | 'object-for-list';

export type FaultKind = TransportFaultKind | HostileKind;

export interface FaultRule {
  /** Regular expression tested against the request pathname. */
  path: string;
  kind: FaultKind;
  /** Probability 0..1 that a matching request is hit (default 1). */
  rate?: number;
  /** Fire at most this many times. */
  count?: number;
  /** Seconds, for kind 429 (default 1). */
  retryAfter?: number;
  /** Only this HTTP method. */
  method?: string;
  /** kind slow: bytes per chunk (default 1024). */
  chunkBytes?: number;
  /** kind slow: pause between chunks in ms (default 50). */
  delayMs?: number;
  /** kind wrong-types: which wrong type; when absent each firing draws one. */
  variant?: WrongTypeVariant;
}

export interface FaultState {
  rules: FaultRule[];
  compiled: RegExp[];
  fired: number[];
  /** Seeded PRNG state for `rate` decisions. */
  rng: () => number;
}

/**
 * A scripted event: when the `nth` request matching `path` (and `method`) arrives, apply mutations (the same operations
 * as POST /__sim/mutate; a string "$1".."$9" in one stands for that capture group of `path`, as a number when it is
 * digits), move the clock, and/or expire every OAuth2 token. `before`: ahead of answering that request (a download
 * then serves the edited version, or 404 after a delete); `after`: once its answer is decided (a listing shows the old
 * state, the change lands before the next request).
 */
export interface TriggerRule {
  path: string;
  method?: string;
  /** 1-based; default 1. */
  nth: number;
  when: 'before' | 'after';
  /** Operation templates, checked when the trigger is set. */
  mutations: Array<Record<string, unknown>>;
  advanceClockSeconds?: number;
  expireTokens?: boolean;
}

/** What happened when a trigger fired: the ids its mutations touched, or why one could not be applied. */
export interface TriggerFiring {
  /** The request that fired it: method and path. */
  request: string;
  ids: number[];
  errors: string[];
}

export interface TriggerState {
  rules: TriggerRule[];
  compiled: RegExp[];
  /** Matching requests seen per rule. */
  seen: number[];
  fired: Array<TriggerFiring | null>;
}

export interface AuthRuntime {
  /** "client|token|timestamp|nonce" → epoch ms after which it may be forgotten. */
  nonces: Map<string, number>;
  /** OAuth2 access token → its client and expiry (epoch ms). */
  tokens: Map<string, { clientId: string; expiresAt: number }>;
  /** Download redirect token → document version, expiry (epoch ms). */
  blobs: Map<string, { id: number; verNr: number; expiresAt: number }>;
  /** Rate limiting: client key → window start (epoch ms) and count. */
  windows: Map<string, { start: number; count: number }>;
}

export interface GeneratorOptions {
  seed: number;
  workspaces: number;
  documents: number;
  largeDocuments: number[];
  hostileNames: boolean;
  /** Multiplies every ordinary document's generated size (default 1: mean about 170 kB), for accounts of a given volume. */
  documentSizeScale?: number;
}

export interface SimState {
  /** The options the data was generated from (POST /__sim/reset regenerates from them). */
  options: GeneratorOptions;
  seed: number;
  account: { id: number; name: string };
  /** The robot the credentials belong to (a hidden account-wide super user). */
  robot: User;
  users: Map<number, User>;
  workspaces: Map<number, Workspace>;
  items: Map<number, Item>;
  /** Container id (workspace id for the root, else folder id) → ids of the items directly inside. */
  children: Map<number, Set<number>>;
  nextId: number;
  /** Deleted items, kept so the control API can still tell which versions were ever served (never served again). */
  graveyard: Map<number, Item>;
  switches: Switches;
  credentials: Credentials;
  /** Added to the wall clock (tests move time forward instead of sleeping). */
  clockOffsetMs: number;
  requests: RequestLogEntry[];
  faults: FaultState;
  triggers: TriggerState;
  auth: AuthRuntime;
}

/** The simulator's clock, epoch milliseconds. */
export function nowMs(state: SimState): number {
  return Date.now() + state.clockOffsetMs;
}

export function nowSeconds(state: SimState): number {
  return Math.floor(nowMs(state) / 1000);
}

/** The container id an item sits in: its folder, or its workspace id at the root. */
export function containerOf(item: Item): number {
  return item.parentId ?? item.workspaceId;
}

export function childIds(state: Pick<SimState, 'children'>, containerId: number): Set<number> {
  let set = state.children.get(containerId);
  if (!set) {
    set = new Set();
    state.children.set(containerId, set);
  }
  return set;
}

/** The items directly inside a container, sorted by name (binary), then id. */
export function childrenOf(state: SimState, containerId: number): Item[] {
  const set = state.children.get(containerId);
  if (!set) return [];
  const out: Item[] = [];
  for (const id of set) {
    const item = state.items.get(id);
    if (item) out.push(item);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
}

export function currentVersion(item: Item): Version | undefined {
  return item.versions[item.versions.length - 1];
}

/** Adds an item to the maps and the children index. */
export function insertItem(state: Pick<SimState, 'items' | 'children'>, item: Item): void {
  state.items.set(item.id, item);
  childIds(state, containerOf(item)).add(item.id);
}

/** Sum of the current sizes of all documents in a workspace. */
export function spaceUsed(state: SimState, workspaceId: number): number {
  let total = 0;
  const stack = [workspaceId];
  while (stack.length > 0) {
    const set = state.children.get(stack.pop() as number);
    if (!set) continue;
    for (const id of set) {
      const item = state.items.get(id);
      if (!item) continue;
      if (item.kind === 'folder') stack.push(item.id);
      else if (item.kind === 'document') total += currentVersion(item)?.size ?? 0;
    }
  }
  return total;
}

/** Percent-encodes like RFC 3986 unreserved (what OAuth1 and RFC 5987 need). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
