// Relations between items that only their content tells: damas nodes name their parent (`#parent`: versions and
// comments) and link nodes name two ends (`src_id` → `tgt_id`). Read from the node files at the rendered commit,
// never from the service; the model (model.ts) turns them into parents, children and links on each node's page.

import type { Entry } from '../entry.ts';
import type { Git } from '../store/git.ts';
import { eachBlobFetchingMissing } from './blobs.ts';
import type { NodeRefs } from './types.ts';

/** Sources whose documents are JSON nodes that refer to each other by id. */
export const nodeSources: ReadonlySet<string> = new Set(['damas']);

/** Longest comment kept for a relation's row: the node's page has the whole of it. */
const commentChars = 140;

/**
 * The references of every node document of the node sources, keyed by item id: one `git ls-tree` for their object
 * ids and one `git cat-file --batch` for their bytes, only when such documents exist. Nodes whose file is not
 * readable (a partial clone offline) are left out; the site then says their relations are unknown.
 */
export async function readNodeRefs(git: Git, commit: string, entries: Entry[]): Promise<Map<string, NodeRefs>> {
  const refs = new Map<string, NodeRefs>();
  const idAtPath = new Map<string, string>();
  for (const e of entries) if (e.kind === 'document' && nodeSources.has(e.source)) idAtPath.set(e.path, e.id);
  if (idAtPath.size === 0) return refs;
  const roots = [...new Set([...idAtPath.keys()].map((p) => p.split('/')[0]!))];
  const { stdout } = await git.run(['ls-tree', '-r', '-z', commit, '--', ...roots.map((r) => `${r}/`)]);
  const idsOfOid = new Map<string, string[]>();
  for (const rec of stdout.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(rec);
    const id = m ? idAtPath.get(m[2]!) : undefined;
    if (id === undefined) continue;
    const list = idsOfOid.get(m![1]!);
    if (list) list.push(id);
    else idsOfOid.set(m![1]!, [id]);
  }
  await eachBlobFetchingMissing(git, commit, [...idsOfOid.keys()], (oid, data) => {
    const r = refsOf(data);
    for (const id of idsOfOid.get(oid) ?? []) refs.set(id, r);
  });
  return refs;
}

/** What one node's JSON says about its relations, and the few fields a relation's row shows. */
export function refsOf(data: Buffer): NodeRefs {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const o = v as Record<string, unknown>;
  const r: NodeRefs = {};
  const parent = idValue(o['#parent']);
  const src = idValue(o.src_id);
  const tgt = idValue(o.tgt_id);
  if (parent !== undefined) r.parent = parent;
  if (src !== undefined) r.src = src;
  if (tgt !== undefined) r.tgt = tgt;
  if (typeof o.version === 'number' || typeof o.version === 'string') r.version = String(o.version);
  if (typeof o.comment === 'string' && o.comment) r.comment = o.comment.length > commentChars ? o.comment.slice(0, commentChars - 1) + '…' : o.comment;
  if (typeof o.author === 'string' && o.author) r.author = o.author;
  const time = typeof o.time === 'number' && Number.isFinite(o.time) ? new Date(o.time) : typeof o.time === 'string' ? new Date(o.time) : undefined;
  if (time && !Number.isNaN(time.getTime())) r.time = time.toISOString();
  return r;
}

/** An id as damas stores it: a string, or an ObjectId in extended JSON ({"$oid": "…"}). */
function idValue(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v && typeof v === 'object' && typeof (v as { $oid?: unknown }).$oid === 'string') return (v as { $oid: string }).$oid;
  return undefined;
}
