// Seeded generator of a whole Projectplace account: users, workspaces, nested folders, documents with versions, links.

import {
  childIds,
  defaultSwitches,
  insertItem,
  type Credentials,
  type GeneratorOptions,
  type Item,
  type SimState,
  type Switches,
  type User,
  type Version,
  type Workspace,
} from './model.ts';
import { intBetween, mulberry32, pick, type Rng } from './prng.ts';

/** The part of the state that generation produces (everything but switches, credentials and run-time). */
export interface AccountData {
  seed: number;
  account: { id: number; name: string };
  robot: User;
  users: Map<number, User>;
  workspaces: Map<number, Workspace>;
  items: Map<number, Item>;
  children: Map<number, Set<number>>;
  nextId: number;
}

export const defaultGeneratorOptions: Readonly<GeneratorOptions> = Object.freeze({
  seed: 1,
  workspaces: 3,
  documents: 40,
  largeDocuments: [],
  hostileNames: true,
});

const FIRST_NAMES = ['Ann', 'Bertil', 'Cecilia', 'David', 'Eva', 'Fredrik', 'Gunilla', 'Hassan', 'Ingrid', 'Johan', 'Karin', 'Lars'];
const LAST_NAMES = ['Admin', 'Berg', 'Carlsson', 'Dahl', 'Ek', 'Falk', 'Gustafsson', 'Holm', 'Isaksson', 'Jansson', 'Kvist', 'Lund'];
const WORKSPACE_NAMES = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon', 'Zeta', 'Eta', 'Theta', 'Iota', 'Kappa'];
const FOLDER_NAMES = [
  'Specs', 'Drafts', 'Meeting notes', 'Contracts', 'Design', 'Finance', 'Archive', 'Public documents', 'Reports',
  'Marketing', 'Legal', 'Templates', 'Photos', 'Minutes', 'Planning', 'Research',
];
const ADJECTIVES = ['Quarterly', 'Final', 'Draft', 'Annual', 'Weekly', 'Project', 'Team', 'Budget', 'Sales', 'Board', 'Kickoff', 'Risk'];
const NOUNS = ['report', 'plan', 'minutes', 'overview', 'analysis', 'forecast', 'summary', 'notes', 'proposal', 'review', 'memo', 'schedule'];
const EXTENSIONS = ['docx', 'docx', 'xlsx', 'xlsx', 'pdf', 'pdf', 'pptx', 'txt', 'png', 'jpg', 'md', 'csv', 'zip', 'json', 'html'];

/** Names that break naive file writers, path joins, case-insensitive or normalising file systems and HTML renderers. */
export const HOSTILE_DOCUMENT_NAMES: readonly string[] = [
  '../x',
  'a/b',
  'CON',
  'aux.txt',
  'NUL',
  'COM1.log',
  'trailing. ',
  ' leading space.txt',
  'ctl\u0001\u001f\u007f.txt',
  'line\nbreak.txt',
  'x'.repeat(296) + '.txt',
  'é'.repeat(148) + '.txt',
  'Report.docx',
  'report.docx',
  'caf\u00e9.txt',
  'cafe\u0301.txt',
  '<script>alert(1)</script>.html',
  '.gitattributes',
  'Budget.xlsx',
  'Budget.xlsx',
  'back\\slash.txt',
  'colon:star*?.txt',
  'percent%2Fencoded.txt',
  'emoji 📄.txt',
];

const T_START = Date.UTC(2023, 0, 1) / 1000;
const T_END = Date.UTC(2025, 11, 31, 23, 59, 59) / 1000;

interface Ctx {
  rng: Rng;
  data: AccountData;
  /** Per container: names already used (generation keeps ordinary names unique per folder). */
  names: Map<number, Set<string>>;
  /** Users who may author versions (members and external), plus the removed one. */
  authors: number[];
  removedUser: number;
  docCounter: number;
}

function newId(data: AccountData): number {
  return data.nextId++;
}

function makeUser(id: number, first: string, last: string, email: string, flags: Partial<User> = {}): User {
  return {
    id,
    name: `${first} ${last}`,
    firstName: first,
    lastName: last,
    email,
    external: false,
    removed: false,
    accountOwner: false,
    accountAdmin: false,
    ...flags,
  };
}

function asciiEmailPart(s: string): string {
  return s.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

function uniqueName(ctx: Ctx, container: number, name: string): string {
  let set = ctx.names.get(container);
  if (!set) {
    set = new Set();
    ctx.names.set(container, set);
  }
  let out = name;
  for (let n = 2; set.has(out); n++) {
    const dot = name.lastIndexOf('.');
    out = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
  }
  set.add(out);
  return out;
}

function randomSize(rng: Rng): number {
  const r = rng();
  if (r < 0.03) return 0;
  if (r < 0.95) return intBetween(rng, 1, 200 * 1024);
  if (r < 0.98) return intBetween(rng, 200 * 1024, 1024 * 1024);
  return intBetween(rng, 1024 * 1024, 5 * 1024 * 1024);
}

/** 1–3 versions by different users at increasing times in 2023–2025; the last has `size`. */
function makeVersions(ctx: Ctx, size: number, count?: number): Version[] {
  const { rng } = ctx;
  const n = count ?? intBetween(rng, 1, 3);
  const versions: Version[] = [];
  let t = intBetween(rng, T_START, T_END - 200 * 86400);
  let prev = -1;
  for (let v = 1; v <= n; v++) {
    let modifier: number;
    if (rng() < 0.03) modifier = ctx.removedUser;
    else {
      do modifier = pick(rng, ctx.authors);
      while (modifier === prev && ctx.authors.length > 1);
    }
    prev = modifier;
    const vSize = v === n ? size : Math.max(0, size + intBetween(rng, -2048, 2048));
    versions.push({ verNr: v, modifiedTime: t, modifier, size: vSize });
    t = Math.min(T_END, t + intBetween(rng, 3600, 60 * 86400));
  }
  return versions;
}

function addDocument(ctx: Ctx, ws: number, parent: number | null, name: string, size: number, versionCount?: number): Item {
  const versions = makeVersions(ctx, size, versionCount);
  const last = versions[versions.length - 1] as Version;
  const item: Item = {
    id: newId(ctx.data),
    kind: 'document',
    name,
    workspaceId: ws,
    parentId: parent,
    modifiedTime: last.modifiedTime,
    lastModifier: last.modifier,
    creator: (versions[0] as Version).modifier,
    versions,
  };
  insertItem(ctx.data, item);
  return item;
}

function addFolder(ctx: Ctx, ws: number, parent: number | null, name: string): Item {
  const t = intBetween(ctx.rng, T_START, T_END);
  const by = pick(ctx.rng, ctx.authors);
  const item: Item = {
    id: newId(ctx.data),
    kind: 'folder',
    name,
    workspaceId: ws,
    parentId: parent,
    modifiedTime: t,
    lastModifier: by,
    creator: by,
    versions: [],
  };
  insertItem(ctx.data, item);
  return item;
}

export function generateAccount(options: Partial<GeneratorOptions> = {}): AccountData {
  const opts: GeneratorOptions = { ...defaultGeneratorOptions, ...options };
  const seed = opts.seed >>> 0;
  const rng = mulberry32(seed ^ 0x5eed1234);
  const data: AccountData = {
    seed,
    account: { id: 0, name: '' },
    robot: makeUser(0, '', '', ''),
    users: new Map(),
    workspaces: new Map(),
    items: new Map(),
    children: new Map(),
    nextId: 1_000_000 + (seed % 1000) * 1000 + 1,
  };
  data.account = { id: newId(data), name: `Simulated Account ${seed}` };

  // Users: 8 members (one owner, one admin, one non-ASCII name), 2 external, 1 removed.
  const firsts = [...FIRST_NAMES];
  const lasts = [...LAST_NAMES];
  const takeName = (): [string, string] => {
    const f = firsts.splice(Math.floor(rng() * firsts.length), 1)[0] as string;
    const l = lasts.splice(Math.floor(rng() * lasts.length), 1)[0] as string;
    return [f, l];
  };
  const authors: number[] = [];
  for (let i = 0; i < 8; i++) {
    const [f0, l] = i === 0 ? ['Ann', 'Admin'] : takeName();
    const f = i === 3 ? 'Åsa' : f0;
    if (i === 0) {
      firsts.splice(firsts.indexOf('Ann'), 1);
      lasts.splice(lasts.indexOf('Admin'), 1);
    }
    const id = newId(data);
    const email = `${asciiEmailPart(f)}.${asciiEmailPart(l)}@example.com`;
    data.users.set(id, makeUser(id, f, l, email, { accountOwner: i === 0, accountAdmin: i <= 1 }));
    authors.push(id);
  }
  for (let i = 0; i < 2; i++) {
    const [f, l] = takeName();
    const id = newId(data);
    data.users.set(id, makeUser(id, f, l, `${asciiEmailPart(f)}.${asciiEmailPart(l)}@partner.example.net`, { external: true }));
    authors.push(id);
  }
  const [rf, rl] = takeName();
  const removedUser = newId(data);
  data.users.set(removedUser, makeUser(removedUser, rf, rl, `${asciiEmailPart(rf)}.${asciiEmailPart(rl)}@example.com`, { removed: true }));
  const robotId = newId(data);
  data.robot = makeUser(robotId, 'Backup', 'Robot', `robot-${robotId}@robots.projectplace.invalid`, { accountAdmin: true });

  // Workspaces: the last one archived when there are at least 3.
  const wsIds: number[] = [];
  for (let i = 0; i < opts.workspaces; i++) {
    const id = newId(data);
    let name = WORKSPACE_NAMES[i % WORKSPACE_NAMES.length] as string;
    if (i >= WORKSPACE_NAMES.length) name += ` ${Math.floor(i / WORKSPACE_NAMES.length) + 1}`;
    if (opts.hostileNames && i === 1) name = 'R&D / Ops: "Q3" <draft>';
    const created = Date.UTC(2019, 0, 1) + Math.floor(((i + rng()) / Math.max(1, opts.workspaces)) * 4 * 365 * 86400_000);
    data.workspaces.set(id, {
      id,
      name,
      archived: opts.workspaces >= 3 && i === opts.workspaces - 1,
      creationDate: new Date(Math.floor(created / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    });
    wsIds.push(id);
  }
  if (wsIds.length === 0) return data;

  const ctx: Ctx = { rng, data, names: new Map(), authors, removedUser, docCounter: 0 };

  // Folders: about one per 8 documents, nested up to depth 4.
  const eligible = new Map<number, { id: number | null; depth: number }[]>();
  const folderIds = new Map<number, number[]>();
  for (const ws of wsIds) {
    eligible.set(ws, [{ id: null, depth: 0 }]);
    folderIds.set(ws, []);
  }
  const folderCount = Math.max(wsIds.length, Math.ceil(opts.documents / 8));
  for (let i = 0; i < folderCount; i++) {
    const ws = wsIds[i < wsIds.length ? i : Math.floor(rng() * wsIds.length)] as number;
    const cands = eligible.get(ws) as { id: number | null; depth: number }[];
    const parent = rng() < 0.35 ? (cands[0] as { id: number | null; depth: number }) : pick(rng, cands);
    const container = parent.id ?? ws;
    const folder = addFolder(ctx, ws, parent.id, uniqueName(ctx, container, pick(rng, FOLDER_NAMES)));
    (folderIds.get(ws) as number[]).push(folder.id);
    if (parent.depth + 1 < 4) cands.push({ id: folder.id, depth: parent.depth + 1 });
  }

  const firstWs = wsIds[0] as number;
  let remaining = opts.documents;

  // Hostile names: documents in the first workspace (root, `.git/` and `a/b/`), counted in the document total.
  if (opts.hostileNames) {
    const gitFolder = addFolder(ctx, firstWs, null, '.git');
    const slashFolder = addFolder(ctx, firstWs, null, 'a/b');
    const hostile: [number | null, string][] = HOSTILE_DOCUMENT_NAMES.map((n) => [null, n]);
    hostile.unshift([gitFolder.id, 'config'], [slashFolder.id, 'inside.txt']);
    for (const [parent, name] of hostile) {
      if (remaining <= 0) break;
      addDocument(ctx, firstWs, parent, name, intBetween(rng, 0, 4096));
      remaining--;
    }
  }

  // Large documents: exact sizes, first workspace root, one version each.
  opts.largeDocuments.forEach((size, i) => {
    addDocument(ctx, firstWs, null, uniqueName(ctx, firstWs, `large-${i + 1}-${size}.bin`), size, 1);
  });

  // Ordinary documents, spread over workspaces (earlier ones get more).
  const weights = wsIds.map((_, i) => 1 / (i + 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remaining; i++) {
    let r = rng() * totalWeight;
    let wi = 0;
    while (wi < wsIds.length - 1 && r >= (weights[wi] as number)) r -= weights[wi++] as number;
    const ws = wsIds[wi] as number;
    const folders = folderIds.get(ws) as number[];
    const parent = folders.length === 0 || rng() < 0.3 ? null : pick(rng, folders);
    ctx.docCounter++;
    const ext = pick(rng, EXTENSIONS);
    const base = `${pick(rng, ADJECTIVES)} ${pick(rng, NOUNS)} ${ctx.docCounter}`;
    const name = rng() < 0.02 ? base : `${base}.${ext}`;
    addDocument(ctx, ws, parent, uniqueName(ctx, parent ?? ws, name), Math.round(randomSize(rng) * (opts.documentSizeScale ?? 1)));
  }

  // Links: about one per 25 documents, at least one per workspace.
  const linkCount = Math.max(wsIds.length, Math.round(opts.documents / 25));
  for (let i = 0; i < linkCount; i++) {
    const ws = wsIds[i % wsIds.length] as number;
    const folders = folderIds.get(ws) as number[];
    const parent = folders.length === 0 || rng() < 0.5 ? null : pick(rng, folders);
    const hostile = opts.hostileNames && i === 0;
    const by = pick(rng, authors);
    const item: Item = {
      id: newId(data),
      kind: 'link',
      name: hostile ? '<img src=x onerror=alert(1)>' : uniqueName(ctx, parent ?? ws, `Wiki page ${i + 1}`),
      workspaceId: ws,
      parentId: hostile ? null : parent,
      modifiedTime: intBetween(rng, T_START, T_END),
      lastModifier: by,
      creator: by,
      versions: [],
      url: hostile ? 'javascript:alert(1)' : `https://wiki.example.org/pages/${i + 1}?ref=projectplace&lang=en`,
    };
    insertItem(data, item);
  }
  for (const ws of wsIds) childIds(data, ws);
  return data;
}

/** Default credentials: fixed, recognisable strings derived from the seed. */
export function defaultCredentials(seed: number): Credentials {
  const s = String(seed >>> 0);
  const hex = (tag: string, len: number): string => {
    let out = '';
    let h = 0x811c9dc5;
    const src = `${tag}:${s}`;
    while (out.length < len) {
      for (let i = 0; i < src.length; i++) h = Math.imul(h ^ src.charCodeAt(i), 0x01000193) >>> 0;
      out += h.toString(16).padStart(8, '0');
    }
    return out.slice(0, len);
  };
  return {
    consumerKey: `sim-consumer-key-${s}`,
    consumerSecret: `sim-consumer-secret-${s}`,
    accessToken: `sim-access-token-${s}`,
    accessTokenSecret: `sim-access-token-secret-${s}`,
    clientId: hex('client-id', 32),
    clientSecret: hex('client-secret', 40),
  };
}

/** A complete state: generated data, switches, credentials and empty run-time tables. */
export function createState(
  options: Partial<GeneratorOptions> = {},
  switches: Partial<Switches> = {},
  credentials: Partial<Credentials> = {},
): SimState {
  const opts: GeneratorOptions = { ...defaultGeneratorOptions, ...options };
  opts.largeDocuments = [...opts.largeDocuments];
  const data = generateAccount(opts);
  return {
    ...data,
    options: opts,
    switches: { ...defaultSwitches, ...switches },
    credentials: { ...defaultCredentials(opts.seed), ...credentials },
    clockOffsetMs: 0,
    requests: [],
    faults: { rules: [], compiled: [], fired: [], rng: mulberry32(opts.seed ^ 0xfa17) },
    triggers: { rules: [], compiled: [], seen: [], fired: [] },
    graveyard: new Map(),
    auth: { nonces: new Map(), tokens: new Map(), blobs: new Map(), windows: new Map() },
  };
}

/** Regenerates the data from the state's options, in place; switches, credentials, faults and tokens stay. */
export function resetState(state: SimState): void {
  const data = generateAccount(state.options);
  Object.assign(state, data);
  state.graveyard = new Map();
  state.requests.length = 0;
}
