// A seeded damas-core account: users (ObjectId ids, sha1 or md5 password hashes), projects of path-like nodes
// (/<project>/<folder>/…/<file>), their `#parent` children (versions and comments, ObjectId ids), link nodes
// (src_id → tgt_id), and nodes whose ids are hostile paths. The same seed and counts give the same nodes.

import { createHash } from 'node:crypto';
import { intBetween, mulberry32, pick, type Rng } from '../projectplace/prng.ts';
import { ObjectId, type Counts, type DamasNode, type SimUser } from './model.ts';

/** The accounts every generated server has; passwords derive from the seed. */
export function defaultUsers(seed: number): SimUser[] {
  return [
    { username: 'backup', email: 'backup@example.test', password: `backup-pw-${seed}`, class: 'admin', hash: 'sha1' },
    { username: 'alice', email: 'alice@example.test', password: `alice-pw-${seed}`, class: 'user', hash: 'sha1' },
    { username: 'eddie', email: 'eddie@example.test', password: `eddie-pw-${seed}`, class: 'editor', hash: 'md5' },
    { username: 'root', email: 'root@example.test', password: `root-pw-${seed}`, class: 'admin', hash: 'md5' },
  ];
}

export function passwordHash(user: Pick<SimUser, 'password' | 'hash'>): string {
  return createHash(user.hash).update(user.password).digest('hex');
}

/**
 * Hostile `_id`s: the frisby fixture's idCustom characters, dot segments, a very long name, names equal under case
 * folding or Unicode normalisation, backslashes, control characters, Windows device names, trailing dots and
 * spaces, empty segments, ids without a leading slash, and ids that look like search_mongo's regex markers.
 */
export const HOSTILE_IDS: readonly string[] = [
  '/hostile/idCustom;.*?<>#%',
  '/hostile/../escape.txt',
  '/hostile/./dot/segment',
  `/hostile/${'very-long-name-'.repeat(30)}.mov`,
  '/hostile/Case.txt',
  '/hostile/case.txt',
  '/hostile/caf\u00e9.txt',
  '/hostile/cafe\u0301.txt',
  '/hostile/back\\slash',
  '/hostile/ctrl\u0001char',
  '/hostile/CON',
  '/hostile/trailing. ',
  '/hostile//empty-segment',
  '/hostile/with,comma',
  '/hostile/dir/',
  'idCustom;.*?<>#%',
  'relative/no-leading-slash.txt',
  'RX_looks_like_a_regex_RXi',
  '/REGEX_top/x',
];

const PROJECTS = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel', 'India', 'Juliet'];
const FOLDERS = ['shots/sh010', 'shots/sh020', 'shots/sh030/comp', 'assets/chars', 'assets/props', 'edit', 'docs', 'audio/mix'];
const FILES = ['plate', 'comp', 'anim', 'layout', 'model', 'notes', 'cut', 'mix'];
const EXTS = ['.exr', '.mov', '.blend', '.txt', '.wav', '.pdf', '.ma'];
const WORDS = ['approved', 'retake', 'please check', 'final', 'WIP', 'color fix', 'looks good', 'missing frames', 'übergeben', '修正'];

/** Deterministic ObjectIds: seconds of the node's time, five bytes from the seed, a counter. */
function objectIds(seed: number): (time: number) => ObjectId {
  let counter = 0;
  const machine = createHash('sha1').update(`damas-sim-${seed}`).digest('hex').slice(0, 10);
  return (time) => new ObjectId(Math.floor(time / 1000).toString(16).padStart(8, '0') + machine + (counter++).toString(16).padStart(6, '0'));
}

export interface Generated {
  nodes: DamasNode[];
  /** ObjectIds made so far, for the server's own counter to continue after. */
  oidCounter: number;
}

export function generateNodes(seed: number, counts: Counts, users: SimUser[]): Generated {
  const rng: Rng = mulberry32(seed ^ 0xda3a5);
  let clock = Date.UTC(2023, 0, 2) + intBetween(rng, 0, 86_400) * 1000;
  const tick = (): number => (clock += intBetween(rng, 1, 3600) * 1000);
  const oid = objectIds(seed);
  let made = 0;
  const next = (t: number): ObjectId => {
    made++;
    return oid(t);
  };
  const nodes: DamasNode[] = [];
  const authors = users.filter((u) => u.class !== 'admin' || u.username === 'root').map((u) => u.username);

  for (const u of users) {
    const t = tick();
    nodes.push({ _id: next(t), username: u.username, email: u.email, password: passwordHash(u), class: u.class, author: 'root', time: t });
  }
  // A user who left: disabled, never signs in.
  const tl = tick();
  nodes.push({ _id: next(tl), username: 'former', email: 'former@example.test', password: createHash('sha1').update(`former-${seed}`).digest('hex'), class: 'user', disable: true, author: 'root', time: tl });

  const projects = PROJECTS.slice(0, Math.max(0, Math.min(counts.projects, PROJECTS.length)));
  for (let i = PROJECTS.length; i < counts.projects; i++) projects.push(`Project${i + 1}`);
  for (const p of projects) {
    const t = tick();
    nodes.push({ _id: `/${p}`, type: 'project', title: `Project ${p}`, author: pick(rng, authors), time: t });
  }
  const assets: string[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < counts.assets && projects.length > 0; i++) {
    const project = projects[i % projects.length]!;
    let id: string;
    do id = `/${project}/${pick(rng, FOLDERS)}/${pick(rng, FILES)}_v${String(intBetween(rng, 1, 40)).padStart(3, '0')}${pick(rng, EXTS)}`;
    while (taken.has(id));
    taken.add(id);
    assets.push(id);
    const t = tick();
    const node: DamasNode = { _id: id, file: id, author: pick(rng, authors), time: t, comment: pick(rng, WORDS), origin: pick(rng, ['studio', 'vendor', 'upload']) };
    if (rng() < 0.5) node.size = intBetween(rng, 1000, 5_000_000_000);
    if (rng() < 0.3) node.tags = [pick(rng, WORDS), pick(rng, WORDS)];
    if (rng() < 0.2) node.meta = { fps: pick(rng, [24, 25, 30]), resolution: { w: 1920, h: 1080 }, '10': 'index-like key', '2': 'another' };
    if (rng() < 0.1) node.lock = pick(rng, authors);
    nodes.push(node);
    const children = intBetween(rng, 0, counts.childrenPerAsset);
    for (let c = 0; c < children; c++) {
      const ct = tick();
      if (rng() < 0.6) {
        nodes.push({ _id: next(ct), '#parent': id, file: id.replace(/(\.[^./]*)?$/, `_${c + 1}$1`), comment: pick(rng, WORDS), version: c + 1, author: pick(rng, authors), time: ct });
      } else {
        // POST /api/comment/ adds no author or time.
        nodes.push({ _id: next(ct), '#parent': id, comment: pick(rng, WORDS) });
      }
    }
  }
  for (let i = 0; i < counts.links && assets.length > 1; i++) {
    const src = pick(rng, assets);
    let tgt = pick(rng, assets);
    if (tgt === src) tgt = assets[(assets.indexOf(src) + 1) % assets.length]!;
    const t = tick();
    nodes.push({ _id: next(t), src_id: src, tgt_id: tgt, author: pick(rng, authors), time: t });
  }
  if (counts.hostile) {
    for (const id of HOSTILE_IDS) {
      const t = tick();
      nodes.push({ _id: id, comment: `hostile id ${JSON.stringify(id)}`, author: pick(rng, authors), time: t });
    }
    // A node only alice wrote: with authorMode a non-admin other than alice reads null for it.
    const t = tick();
    nodes.push({ _id: '/hostile/alice-only', author: 'alice', time: t, comment: 'private' });
  }
  return { nodes, oidCounter: made };
}
