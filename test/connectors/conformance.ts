// The conformance suite every connector passes against its simulator (rclone's fstests): one call per connector.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Connector, Container, Item } from '../../src/engine/model.ts';
import { AuthError } from '../../src/lib/errors.ts';

export interface ConformanceFixture {
  /** A connector with good credentials. */
  connector: Connector;
  /** The same service with credentials it refuses. */
  badCredentials: Connector;
  /** The service's own hash of a document's current content, to compare with what the connector streams. */
  contentSha256(item: Item): Promise<{ sha256: string; size: number }>;
  /** Makes every listing of items fail with a server error, until `heal`. */
  breakListing(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

export function connectorConformance(name: string, setup: () => Promise<ConformanceFixture>): void {
  describe(`connector conformance: ${name}`, () => {
    let fx: ConformanceFixture;
    let containers: Container[];
    const items = new Map<string, Item[]>();

    test('setup', async () => {
      fx = await setup();
    });

    test('listContainers: unique ids, names, archived flags', async () => {
      containers = await fx.connector.listContainers();
      assert.ok(containers.length > 0);
      assert.equal(new Set(containers.map((c) => c.id)).size, containers.length, 'unique ids');
      for (const c of containers) {
        assert.equal(typeof c.name, 'string');
        assert.equal(typeof c.archived, 'boolean');
      }
    });

    test('listItems: every item well-formed, ids unique, parents are folders of the same container', async () => {
      for (const c of containers) {
        const list: Item[] = [];
        for await (const i of fx.connector.listItems(c)) list.push(i);
        items.set(c.id, list);
        const folders = new Set(list.filter((i) => i.kind === 'folder').map((i) => i.id));
        assert.equal(new Set(list.map((i) => i.id)).size, list.length, `unique ids in ${c.id}`);
        for (const i of list) {
          assert.ok(['folder', 'document', 'link'].includes(i.kind));
          assert.equal(i.containerId, c.id);
          assert.equal(typeof i.name, 'string');
          if (i.parentId !== null) assert.ok(folders.has(i.parentId), `parent ${i.parentId} of ${i.id} is a listed folder`);
          if (i.modifiedAt !== undefined) assert.match(i.modifiedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        }
      }
      assert.ok([...items.values()].some((l) => l.some((i) => i.kind === 'document')), 'some documents');
    });

    test('modification stamps are present when the connector says it has them', async (t) => {
      if (!fx.connector.capabilities.modificationStamps) return t.skip('connector has no modification stamps');
      for (const list of items.values()) for (const i of list) if (i.kind === 'document') assert.ok(i.modifiedAt, `document ${i.id} has modifiedAt`);
    });

    test('names arrive as the service has them, hostile ones included (making them safe is the engine’s job)', async () => {
      const names = [...items.values()].flat().map((i) => i.name);
      assert.ok(names.some((n) => /[/\\]|\.\.|[\u0000-\u001f]/.test(n)), 'at least one hostile name passed through unchanged');
    });

    test('open: streams each document with its announced size and the service’s bytes', async (t) => {
      if (!fx.connector.capabilities.content) return t.skip('connector has no content');
      const docs = [...items.values()].flat().filter((i) => i.kind === 'document').slice(0, 12);
      for (const doc of docs) {
        const d = await fx.connector.open(doc);
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of d.body) {
          hash.update(chunk);
          size += chunk.length;
        }
        if (d.size !== undefined) assert.equal(size, d.size, `announced size of ${doc.id}`);
        const want = await fx.contentSha256(doc);
        assert.equal(hash.digest('hex'), want.sha256, `bytes of ${doc.id}`);
      }
    });

    test('refused credentials are an AuthError that names what to check', async () => {
      await assert.rejects(fx.badCredentials.listContainers(), (e: unknown) => e instanceof AuthError && /check /.test((e as Error).message));
    });

    test('a listing that keeps failing throws; it never yields a partial listing that could read as deletions', async () => {
      await fx.breakListing();
      try {
        const c = containers.find((x) => (items.get(x.id)?.length ?? 0) > 0)!;
        await assert.rejects(async () => {
          for await (const _ of fx.connector.listItems(c)) void _;
        });
      } finally {
        await fx.heal();
      }
    });

    test('teardown', async () => {
      await fx.close();
    });
  });
}
