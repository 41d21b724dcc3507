// Scripted changes to the account between runs: add, edit (new version), rename, move, delete, workspace operations.

import {
  childIds,
  containerOf,
  currentVersion,
  insertItem,
  nowSeconds,
  type Item,
  type ItemKind,
  type SimState,
} from './model.ts';

export type MutateOp =
  | {
      op: 'add';
      workspaceId: number;
      parentId: number | null;
      kind: ItemKind;
      name: string;
      size?: number;
      by?: number;
      at?: number;
      url?: string;
    }
  | { op: 'edit'; id: number; by?: number; at?: number; size?: number; url?: string }
  | { op: 'rename'; id: number; name: string }
  | { op: 'move'; id: number; parentId: number | null; workspaceId?: number }
  | { op: 'delete'; id: number }
  | { op: 'archiveWorkspace'; workspaceId: number; archived: boolean }
  | { op: 'renameWorkspace'; workspaceId: number; name: string }
  | { op: 'addWorkspace'; name: string; archived?: boolean };

/** A mutation that cannot be applied; the control API answers 400 with its message. */
export class MutationError extends Error {
  override name = 'MutationError';
}

type Json = Record<string, unknown>;

function int(o: Json, key: string, optional: true): number | undefined;
function int(o: Json, key: string, optional?: false): number;
function int(o: Json, key: string, optional = false): number | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MutationError(`${key}: expected a non-negative integer`);
  return v;
}

function str(o: Json, key: string, optional: true): string | undefined;
function str(o: Json, key: string, optional?: false): string;
function str(o: Json, key: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new MutationError(`${key}: expected a non-empty string`);
  return v;
}

function parentField(o: Json): number | null {
  if (o.parentId === null || o.parentId === undefined) return null;
  return int(o, 'parentId');
}

/** Checks an untrusted JSON value (the control API's body) and returns it as a typed operation. */
export function parseMutation(body: unknown): MutateOp {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MutationError('expected a JSON object');
  const o = body as Json;
  switch (o.op) {
    case 'add': {
      const kind = o.kind;
      if (kind !== 'document' && kind !== 'folder' && kind !== 'link') throw new MutationError('kind: expected document, folder or link');
      return {
        op: 'add',
        workspaceId: int(o, 'workspaceId'),
        parentId: parentField(o),
        kind,
        name: str(o, 'name'),
        size: int(o, 'size', true),
        by: int(o, 'by', true),
        at: int(o, 'at', true),
        url: str(o, 'url', true),
      };
    }
    case 'edit':
      return { op: 'edit', id: int(o, 'id'), by: int(o, 'by', true), at: int(o, 'at', true), size: int(o, 'size', true), url: str(o, 'url', true) };
    case 'rename':
      return { op: 'rename', id: int(o, 'id'), name: str(o, 'name') };
    case 'move':
      return { op: 'move', id: int(o, 'id'), parentId: parentField(o), workspaceId: int(o, 'workspaceId', true) };
    case 'delete':
      return { op: 'delete', id: int(o, 'id') };
    case 'archiveWorkspace':
      if (typeof o.archived !== 'boolean') throw new MutationError('archived: expected a boolean');
      return { op: 'archiveWorkspace', workspaceId: int(o, 'workspaceId'), archived: o.archived };
    case 'renameWorkspace':
      return { op: 'renameWorkspace', workspaceId: int(o, 'workspaceId'), name: str(o, 'name') };
    case 'addWorkspace':
      if (o.archived !== undefined && typeof o.archived !== 'boolean') throw new MutationError('archived: expected a boolean');
      return { op: 'addWorkspace', name: str(o, 'name'), archived: o.archived as boolean | undefined };
    default:
      throw new MutationError(`op: unknown operation ${JSON.stringify(o.op)}`);
  }
}

function defaultAuthor(state: SimState): number {
  for (const u of state.users.values()) if (u.accountOwner) return u.id;
  return state.robot.id;
}

function author(state: SimState, by: number | undefined): number {
  if (by === undefined) return defaultAuthor(state);
  if (!state.users.has(by) && by !== state.robot.id) throw new MutationError(`by: unknown user ${by}`);
  return by;
}

function getItem(state: SimState, id: number): Item {
  const item = state.items.get(id);
  if (!item) throw new MutationError(`unknown item ${id}`);
  return item;
}

/** Resolves (workspaceId, parentId) to a valid place: parent must be a folder in that workspace. */
function resolvePlace(state: SimState, workspaceId: number | undefined, parentId: number | null): { ws: number; parent: number | null } {
  if (parentId !== null) {
    const parent = state.items.get(parentId);
    if (!parent || parent.kind !== 'folder') throw new MutationError(`parentId: ${parentId} is not a folder`);
    if (workspaceId !== undefined && parent.workspaceId !== workspaceId) {
      throw new MutationError(`parentId: folder ${parentId} is not in workspace ${workspaceId}`);
    }
    return { ws: parent.workspaceId, parent: parentId };
  }
  if (workspaceId === undefined || !state.workspaces.has(workspaceId)) throw new MutationError(`workspaceId: unknown workspace ${workspaceId}`);
  return { ws: workspaceId, parent: null };
}

function subtree(state: SimState, root: Item): Item[] {
  const out: Item[] = [root];
  for (let i = 0; i < out.length; i++) {
    const it = out[i] as Item;
    if (it.kind !== 'folder') continue;
    for (const id of state.children.get(it.id) ?? []) {
      const child = state.items.get(id);
      if (child) out.push(child);
    }
  }
  return out;
}

/** Applies one operation; returns the id of the item or workspace it concerns. Throws MutationError. */
export function mutate(state: SimState, op: MutateOp): number {
  switch (op.op) {
    case 'add': {
      const { ws, parent } = resolvePlace(state, op.workspaceId, op.parentId);
      const by = author(state, op.by);
      const at = op.at ?? nowSeconds(state);
      const id = state.nextId++;
      const item: Item = {
        id,
        kind: op.kind,
        name: op.name,
        workspaceId: ws,
        parentId: parent,
        modifiedTime: at,
        lastModifier: by,
        creator: by,
        versions: op.kind === 'document' ? [{ verNr: 1, modifiedTime: at, modifier: by, size: op.size ?? 1024 }] : [],
      };
      if (op.kind === 'link') item.url = op.url ?? 'https://example.org/';
      insertItem(state, item);
      return id;
    }
    case 'edit': {
      const item = getItem(state, op.id);
      if (item.kind === 'folder') throw new MutationError(`item ${op.id} is a folder; folders have no versions`);
      const by = author(state, op.by);
      const at = op.at ?? nowSeconds(state);
      if (item.kind === 'document') {
        const prev = currentVersion(item);
        item.versions.push({ verNr: (prev?.verNr ?? 0) + 1, modifiedTime: at, modifier: by, size: op.size ?? prev?.size ?? 1024 });
      } else if (op.url !== undefined) {
        item.url = op.url;
      }
      item.modifiedTime = at;
      item.lastModifier = by;
      return item.id;
    }
    case 'rename': {
      const item = getItem(state, op.id);
      item.name = op.name;
      return item.id;
    }
    case 'move': {
      const item = getItem(state, op.id);
      const { ws, parent } = resolvePlace(state, op.workspaceId ?? (op.parentId === null ? item.workspaceId : undefined), op.parentId);
      const moved = subtree(state, item);
      if (parent !== null && moved.some((m) => m.id === parent)) throw new MutationError(`cannot move folder ${item.id} into itself`);
      childIds(state, containerOf(item)).delete(item.id);
      item.parentId = parent;
      for (const m of moved) m.workspaceId = ws;
      childIds(state, containerOf(item)).add(item.id);
      return item.id;
    }
    case 'delete': {
      const item = getItem(state, op.id);
      childIds(state, containerOf(item)).delete(item.id);
      for (const m of subtree(state, item)) {
        state.items.delete(m.id);
        state.children.delete(m.id);
        state.graveyard.set(m.id, m);
      }
      return item.id;
    }
    case 'archiveWorkspace': {
      const ws = state.workspaces.get(op.workspaceId);
      if (!ws) throw new MutationError(`workspaceId: unknown workspace ${op.workspaceId}`);
      ws.archived = op.archived;
      return ws.id;
    }
    case 'renameWorkspace': {
      const ws = state.workspaces.get(op.workspaceId);
      if (!ws) throw new MutationError(`workspaceId: unknown workspace ${op.workspaceId}`);
      ws.name = op.name;
      return ws.id;
    }
    case 'addWorkspace': {
      const id = state.nextId++;
      state.workspaces.set(id, {
        id,
        name: op.name,
        archived: op.archived ?? false,
        creationDate: new Date(nowSeconds(state) * 1000).toISOString().replace('.000Z', 'Z'),
      });
      childIds(state, id);
      return id;
    }
  }
}
