// damas-core through the engine (issue 9): a whole backup of a generated server into a repo (nodes as canonical JSON
// under damas/<_id as a path>.json, new nodes in one commit per container), then an edited node as one commit on its
// file and a deleted node marked deleted with its file kept, verify passing after each; and no password, password
// hash or token anywhere in the logs, the repo or the state.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sync } from '../../src/engine/sync.ts';
import { verifyBackup } from '../../src/engine/verify.ts';
import { Logger } from '../../src/lib/log.ts';
import { startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { connectorFor, control, expectedText } from '../connectors/damas-helpers.ts';
import { git, gitFiles, manifest, tempDir } from '../helpers/env.ts';
import { findLeaks, tracesUnder } from '../helpers/secrets.ts';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/;

describe('damas through the engine', () => {
  let sim: RunningDamasSim;
  let repo: string;
  const lines: string[] = [];
  const logger = new Logger({ sink: (level, line) => lines.push(`${level} ${line}`), debug: true });
  before(async () => {
    sim = await startDamasSim({ seed: 91, counts: { assets: 60, links: 15 } });
    repo = await tempDir('wb-damas-');
  });
  after(() => sim.close());

  test('a first backup holds every node at damas/<_id as a path>.json, byte for byte; one commit per container', async () => {
    const report = await sync({ connector: connectorFor(sim, 'backup', {}, { logger }), repoDir: repo, logger });
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const files = gitFiles(repo).filter((f) => f.startsWith('damas/'));
    assert.equal(files.length, sim.state.nodes.size, 'one file per node');
    const shot = [...sim.state.nodes.keys()].find((id) => /^\/Alpha\/shots\/sh010\/[^/]+$/.test(id))!;
    const path = `damas${shot}.json`;
    assert.ok(files.includes(path), `${path} in the repo`);
    assert.equal(git(repo, 'cat-file', 'blob', `HEAD:${path}`), expectedText(sim.state.nodes.get(shot) as Record<string, unknown>));
    const oid = [...sim.state.nodes.keys()].find((id) => /^[0-9a-f]{24}$/.test(id))!;
    assert.ok(files.includes(`damas/_objects/${oid}.json`));
    assert.ok(files.includes('damas/_top/Alpha.json'));
    // Hostile ids land on safe paths inside damas/.
    assert.ok(files.every((f) => !f.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')), files.filter((f) => f.includes('..')).join(', '));
    const adds = git(repo, 'log', '--format=%s', '--', 'damas/Alpha/').trim().split('\n');
    assert.deepEqual(adds.length, 1, adds.join(' | '));
    assert.match(adds[0]!, /^Add \d+ items to Alpha$/);
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
  });

  test('an edited node is one commit on its file; a deleted one is marked deleted and keeps its file; the sign-in changes nothing', async () => {
    const [edited, removed] = [...sim.state.nodes.keys()].filter((id) => id.startsWith('/Bravo/')).slice(0, 2) as [string, string];
    await control(sim, 'PATCH', `/__sim/node?id=${encodeURIComponent(edited)}`, { comment: 'approved by client', status: 'final' });
    await control(sim, 'DELETE', `/__sim/node?id=${encodeURIComponent(removed)}`);
    const report = await sync({ connector: connectorFor(sim, 'backup', {}, { logger }), repoDir: repo, logger });
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    assert.deepEqual(report.changes.filter((c) => c.type === 'modified').map((c) => c.id), [edited], 'only the edit (not the user node whose lastlogin moved)');
    assert.equal(report.documents.deleted, 1);
    const file = `damas${edited}.json`;
    const history = git(repo, 'log', '--format=%s', '--', file).trim().split('\n');
    assert.equal(history.length, 2, history.join(' | '));
    assert.match(history[0]!, /^Update /);
    assert.deepEqual(git(repo, 'log', '-1', '--format=', '--name-only', '--', file).split('\n').filter(Boolean), [file]);
    assert.match(git(repo, 'cat-file', 'blob', `HEAD:${file}`), /"status": "final"/);
    assert.ok(manifest(repo).get(removed)?.deletedAt, 'marked deleted in the manifest');
    assert.ok(gitFiles(repo).includes(`damas${removed}.json`), 'its file stays');
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
    const third = await sync({ connector: connectorFor(sim, 'backup', {}, { logger }), repoDir: repo, logger });
    assert.equal(third.commits, 0, 'nothing changed, nothing committed');
  });

  test('no password, password hash or token in the logs, the repo (files and git objects) or the state', () => {
    const secrets: string[] = [];
    for (const u of sim.credentials.users) {
      secrets.push(u.password, createHash(u.hash).update(u.password).digest('hex'));
    }
    for (const n of sim.state.nodes.values()) if (typeof n.password === 'string') secrets.push(n.password);
    const traces = [...tracesUnder(repo), { where: 'log', text: lines.join('\n') }];
    assert.ok(traces.some((t) => t.where.endsWith('state.db')), 'the state database is among the traces');
    assert.ok(lines.some((l) => /signed in as backup/.test(l)), 'debug logging was on');
    assert.deepEqual(findLeaks(traces, secrets), []);
    const jwts = traces.filter((t) => JWT.test(t.text)).map((t) => t.where);
    assert.deepEqual(jwts, []);
  });
});

test('a backup with a non-admin account stops before listing anything, and commits nothing', async () => {
  const sim = await startDamasSim({ seed: 92, counts: { assets: 5 } });
  try {
    const repo = await tempDir('wb-damas-user-');
    await assert.rejects(sync({ connector: connectorFor(sim, 'alice'), repoDir: repo }), /not an admin: damas would answer null for other users' nodes/);
    const head = spawnSync('git', ['-C', repo, 'rev-parse', '--verify', '-q', 'HEAD'], { encoding: 'utf8' });
    assert.notEqual(head.status, 0, `no commit: ${head.stdout}`);
    assert.ok(!sim.stats().byRoute['POST /api/search_mongo'], 'no id was listed');
  } finally {
    await sim.close();
  }
});
