// The damas-core simulator's data: nodes (any JSON object with an `_id`), ObjectIds, users, switches, the request log
// and fault rules (research other-sources.md §3).

/**
 * A MongoDB ObjectId as the real server stores ids it generates and any 24-hex `_id` a client gives (db/mongodb.js
 * `exportId`). Mongo sorts ObjectIds after every string and never matches them with a string or a regex; mingo does
 * the same for a class instance with its own toString (it compares such values by toString, after all strings). In
 * answers it is written as its lower-case hex, as `ObjectID.toString()` and its JSON form are.
 */
export class ObjectId {
  readonly hex: string;
  constructor(hex: string) {
    this.hex = hex.toLowerCase();
  }
  toString(): string {
    return this.hex;
  }
  toJSON(): string {
    return this.hex;
  }
}

/** What db/mongodb.js exportId turns into an ObjectId: exactly 24 hex digits, any case. */
export const OBJECT_ID = /^[a-fA-F0-9]{24}$/;

export type NodeId = string | ObjectId;

/** A stored node. `_id` is a string or an ObjectId; every other key is whatever JSON the client sent. */
export interface DamasNode {
  _id: NodeId;
  [key: string]: unknown;
}

export type UserClass = 'guest' | 'user' | 'editor' | 'admin';

export interface Switches {
  /** The jwt extension (true) or the default `noauth` one, where every caller is an admin named by its address. */
  jwt: boolean;
  /** conf.authorMode (on in conf_template.json): non-admins read `null` for nodes whose author is someone else. */
  authorMode: boolean;
  /**
   * Every authenticated request writes `lastActivity` to the user node. The last_activity extension is on in
   * conf_template.json, but its condition `(undefined =! req.user) && …` is never true, so the real server never
   * writes it: off by default, a switch for servers where it was fixed.
   */
  lastActivity: boolean;
  /** conf.jwt.exp: the token lifetime when signIn gives no expiresIn. */
  defaultExpiresIn: string;
  /**
   * Content type of error texts ("Read error: Not found"). The research says text/plain [V]; Express's res.send of a
   * string, which the server uses, says text/html; charset=utf-8. Either way the body is the same line of text.
   */
  errorContentType: 'text/plain' | 'text/html';
  /** Milliseconds every service request waits before it is answered. */
  latencyMs: number;
  /**
   * Drift for tests: after answering a search_mongo page with skip > 0, delete the node that sorts first (users
   * excepted), as if someone deleted it meanwhile; every later id moves one place up. Counts down to 0 (off).
   */
  deleteBehind: number;
}

export const defaultSwitches: Switches = { jwt: true, authorMode: true, lastActivity: false, defaultExpiresIn: '1d', errorContentType: 'text/plain', latencyMs: 0, deleteBehind: 0 };

/** A user of the generated account, with the password in clear (the node holds only its hash). */
export interface SimUser {
  username: string;
  email: string;
  password: string;
  class: UserClass;
  /** The node's password hash: sha1 (40 hex) or md5 (32 hex); signIn picks the algorithm by the length. */
  hash: 'sha1' | 'md5';
}

export interface Credentials {
  /** conf.jwt.secret; a token is signed with secret + the user's password hash. */
  secret: string;
  users: SimUser[];
}

export interface Counts {
  /** Projects: path-like trees under /<project>/… */
  projects: number;
  /** Asset nodes (path ids) spread over the projects. */
  assets: number;
  /** `#parent` children (versions and comments, ObjectId ids) per asset, at most. */
  childrenPerAsset: number;
  /** Link nodes (`src_id` → `tgt_id`, ObjectId ids). */
  links: number;
  /** Nodes with hostile ids under /hostile/… and a few without a leading slash. */
  hostile: boolean;
}

export const defaultCounts: Counts = { projects: 3, assets: 40, childrenPerAsset: 2, links: 10, hostile: true };

export type FaultKind = '500' | '502' | '503' | 'reset' | 'short' | 'slow';

export interface FaultRule {
  /** Regular expression tested against the request pathname. */
  path: string;
  kind: FaultKind;
  method?: string;
  /** Fire at most this many times. */
  count?: number;
  chunkBytes?: number;
  delayMs?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** The username the request was authenticated as, or "none". */
  user: string;
  at: number;
}

/** A change made through the API or the control routes, for tests. */
export interface ChangeLogEntry {
  op: 'create' | 'update' | 'delete';
  id: string;
  by: string;
  at: number;
}

export interface SimState {
  seed: number;
  counts: Counts;
  credentials: Credentials;
  switches: Switches;
  /** Nodes by the string form of their `_id` (an ObjectId's lower-case hex). */
  nodes: Map<string, DamasNode>;
  /** The nodes as one array for mingo, rebuilt after each change. */
  collection: DamasNode[] | null;
  /** Counter for generated ObjectIds (deterministic with the seed). */
  oidCounter: number;
  /** The clock, ms since epoch (Date.now unless the options fix it). */
  now(): number;
  requests: RequestLogEntry[];
  changes: ChangeLogEntry[];
  faults: { rules: FaultRule[]; compiled: RegExp[]; fired: number[] };
}

/** The string form of an id (what answers show and what the store is keyed by). */
export function idKey(id: NodeId): string {
  return typeof id === 'string' ? id : id.hex;
}

/** An `_id` as the server stores it: 24-hex strings become ObjectIds (exportId), others stay strings. */
export function storedId(id: string): NodeId {
  return OBJECT_ID.test(id) ? new ObjectId(id) : id;
}
