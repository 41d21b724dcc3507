// Local GitHub Actions artifact service: the real @actions/artifact (in a child process) uploads, lists, downloads and deletes through it and azurite.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startArtifactService, type RunningArtifactService } from '../../src/sim/github/artifact/index.ts';
import { decodeJwt } from '../../src/sim/github/oidc/jwt.ts';

const MARKER = '@@artifact-result@@';
const LIB = import.meta.resolve('@actions/artifact');

type Op =
  | { op: 'upload'; name: string; files: string[]; root: string; retentionDays?: number; skipArchive?: boolean }
  | { op: 'list' }
  | { op: 'download'; id: number; path: string }
  | { op: 'delete'; name: string };

type OpResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Runs each op with the real DefaultArtifactClient in one child process; every op's result or error, in order. */
const CHILD = `
const { DefaultArtifactClient } = await import(process.env.ARTIFACT_LIB);
const client = new DefaultArtifactClient();
const out = [];
for (const c of JSON.parse(process.argv[1])) {
  try {
    let value;
    if (c.op === 'upload') value = await client.uploadArtifact(c.name, c.files, c.root, { retentionDays: c.retentionDays, skipArchive: c.skipArchive });
    else if (c.op === 'list') value = (await client.listArtifacts()).artifacts;
    else if (c.op === 'download') value = await client.downloadArtifact(c.id, { path: c.path });
    else if (c.op === 'delete') value = await client.deleteArtifact(c.name);
    out.push({ ok: true, value });
  } catch (err) {
    out.push({ ok: false, error: String(err && err.message || err) });
  }
}
process.stdout.write('\\n${MARKER}' + JSON.stringify(out) + '\\n');
`;

let svc: RunningArtifactService;
let root: string;

async function runClient(ops: Op[], envOverride: Record<string, string> = {}): Promise<OpResult[]> {
  const workspace = join(root, 'workspace');
  await mkdir(workspace, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    ...svc.env,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(root, 'temp'),
    ARTIFACT_LIB: LIB,
    ...envOverride,
  };
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, JSON.stringify(ops)], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  assert.ok(line, `no result from the artifact client (exit ${code}):\n${stdout}\n${stderr}`);
  return JSON.parse(line.slice(MARKER.length)) as OpResult[];
}

function value<T>(r: OpResult | undefined): T {
  assert.ok(r, 'missing result');
  assert.ok(r.ok, `artifact client threw: ${r.ok ? '' : r.error}`);
  return r.value as T;
}

interface Listed {
  id: number;
  name: string;
  size: number;
  digest?: string;
  createdAt?: string;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-artifact-test-'));
  svc = await startArtifactService();
});
after(async () => {
  await svc?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('artifact service with the real @actions/artifact', () => {
  it('hands out a runtime token whose scp names the run and job, and no GHES-looking env', () => {
    const claims = decodeJwt(svc.env.ACTIONS_RUNTIME_TOKEN);
    assert.ok(claims);
    assert.match(String(claims.scp), new RegExp(`Actions\\.Results:${svc.runBackendId}:${svc.jobBackendId}`));
    assert.ok(!('GITHUB_SERVER_URL' in svc.env));
  });

  it('uploads, lists, downloads (unzipped) and deletes an artifact; a second upload of the same name is refused', async () => {
    const src = join(root, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'hello artifact\n');
    await writeFile(join(src, 'sub', 'b.bin'), Buffer.alloc(70_000, 7));
    const out = join(root, 'out');
    const results = await runClient([
      { op: 'upload', name: 'my-files', files: [join(src, 'a.txt'), join(src, 'sub', 'b.bin')], root: src, retentionDays: 1 },
      { op: 'list' },
      { op: 'upload', name: 'my-files', files: [join(src, 'a.txt')], root: src },
    ]);
    const up = value<{ id: number; size: number; digest: string }>(results[0]);
    assert.ok(up.id > 0);
    assert.ok(up.size > 0);
    assert.match(up.digest, /^[0-9a-f]{64}$/);
    const listed = value<Listed[]>(results[1]);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.id, up.id);
    assert.equal(listed[0]!.name, 'my-files');
    assert.equal(listed[0]!.size, up.size);
    assert.equal(listed[0]!.digest, `sha256:${up.digest}`);
    assert.ok(listed[0]!.createdAt);
    const dup = results[2]!;
    assert.ok(!dup.ok, 'a second artifact with the same name must be refused');
    assert.match(dup.error, /409|already exists/i);

    const info = svc.artifact(up.id);
    assert.ok(info);
    assert.equal(info.mimeType, 'application/zip');
    assert.ok(info.expiresAt && Date.parse(info.expiresAt) - Date.now() > 20 * 3600 * 1000, 'retention of one day is recorded');
    assert.equal((await svc.content(up.id)).subarray(0, 2).toString('latin1'), 'PK');

    const dl = await runClient([{ op: 'download', id: up.id, path: out }, { op: 'delete', name: 'my-files' }, { op: 'list' }]);
    value(dl[0]);
    assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'hello artifact\n');
    assert.deepEqual(await readFile(join(out, 'sub', 'b.bin')), Buffer.alloc(70_000, 7));
    assert.equal(value<{ id: number }>(dl[1]).id, up.id);
    assert.deepEqual(value<Listed[]>(dl[2]), []);
    assert.equal(svc.artifacts().length, 0);
    const methods = new Set(svc.calls().map((c) => c.method));
    for (const m of ['CreateArtifact', 'FinalizeArtifact', 'ListArtifacts', 'GetSignedArtifactURL', 'DeleteArtifact']) assert.ok(methods.has(m), m);
  });

  it('skipArchive uploads one raw file that downloads under its own name, not unzipped', async () => {
    const tarPath = join(root, 'artifact.tar');
    await writeFile(tarPath, Buffer.alloc(10_240, 0));
    const out = join(root, 'raw-out');
    const results = await runClient([{ op: 'upload', name: 'ignored', files: [tarPath], root, skipArchive: true }]);
    const up = value<{ id: number }>(results[0]);
    assert.equal(svc.artifact(up.id)?.name, 'artifact.tar');
    const after = await runClient([{ op: 'download', id: up.id, path: out }, { op: 'delete', name: 'artifact.tar' }]);
    value(after[0]);
    value(after[1]);
    assert.equal((await readFile(join(out, 'artifact.tar'))).length, 10_240);
  });

  it('refuses a wrong runtime token, and the library refuses a GHES-looking server URL before calling', async () => {
    const bad = await runClient([{ op: 'list' }], { ACTIONS_RUNTIME_TOKEN: svc.env.ACTIONS_RUNTIME_TOKEN.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    assert.ok(!bad[0]!.ok);
    assert.match(bad[0]!.error, /401|Unauthorized/i);
    const before = svc.calls().length;
    const ghes = await runClient([{ op: 'list' }], { GITHUB_SERVER_URL: 'http://127.0.0.1:1' });
    assert.ok(!ghes[0]!.ok);
    assert.match(ghes[0]!.error, /GHES|Enterprise Server/i);
    assert.equal(svc.calls().length, before);
  });
});
