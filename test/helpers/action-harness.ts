// A harness that runs the bundled Action as the runner does, against local stand-ins for every service it talks to.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubApi, type RunningGitHubApi } from '../../src/sim/github/api/index.ts';
import type { RunningArtifactService } from '../../src/sim/github/artifact/index.ts';
import type { RunningCacheService } from '../../src/sim/github/cache/index.ts';
import { startOidcService, type RunningOidcService } from '../../src/sim/github/oidc/index.ts';
import { startResultsService, type RunningResultsService } from '../../src/sim/github/results.ts';
import type { SimOptions } from '../../src/sim/projectplace/index.ts';
import { filesUnder, git, repoRoot, startSim, tempDir, type SimFixture } from './env.ts';

export { filesUnder };

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** Parses GITHUB_OUTPUT as the runner does: name<<delimiter blocks and name=value lines. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^([^=<]+)<<(.+)$/.exec(line);
    if (m) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== m[2]) body.push(lines[i]!);
      out[m[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}



export interface ActionHarness {
  fx: SimFixture;
  cache: RunningCacheService;
  artifact: RunningArtifactService;
  oidc: RunningOidcService;
  api: RunningGitHubApi;
  root: string;
  /** The bare repository the workflow pushes to. */
  remote: string;
  /** A fresh job: checkout as the example workflow does it (blobless, sparse, no LFS smudge), then node dist/index.js. */
  runAction(inputs: Record<string, string>, extraEnv?: NodeJS.ProcessEnv): Promise<ActionRun>;
  close(): Promise<void>;
}

export async function createActionHarness(simOptions: SimOptions): Promise<ActionHarness> {
  const fx = await startSim(simOptions);
  // One results service (cache + artifacts) and one runtime token, as the runner gives a job.
  const results: RunningResultsService = await startResultsService();
  const { cache, artifact } = results;
  const oidc = await startOidcService({ requestToken: results.env.ACTIONS_RUNTIME_TOKEN, repository: 'octo-org/backup' });
  const api = await startGitHubApi({ owner: 'octo-org', repo: 'backup' });
  api.setPagesHooks({ artifactExists: (id) => !!artifact.artifact(id), verifyOidcToken: (t) => !!oidc.verify(t) });
  const root = await tempDir('wb-action-');
  const remote = createBackupRemote(root);
  let runNumber = 0;
  async function runAction(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}): Promise<ActionRun> {
    runNumber++;
    const { workspace, files, env: runnerEnv } = prepareJob(root, remote, runNumber, 1000 + runNumber);
    const env: NodeJS.ProcessEnv = {
      ...runnerEnv,
      GITHUB_API_URL: api.url,
      ...results.env,
      ...oidc.env,
      'INPUT_HOST': fx.sim.url,
      'INPUT_CLIENT-ID': fx.sim.credentials.clientId,
      'INPUT_CLIENT-SECRET': fx.sim.credentials.clientSecret,
      'INPUT_GITHUB-TOKEN': api.token,
      'INPUT_LFS-THRESHOLD': '1MiB',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
      ...extraEnv,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'dist/index.js')], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ code: code ?? -1, stdout, stderr, outputs: parseOutputs(readFileSync(files.output!, 'utf8')), summary: readFileSync(files.summary!, 'utf8'), workspace }),
      );
    });
  }

  return {
    fx,
    cache,
    artifact,
    oidc,
    api,
    root,
    remote,
    runAction,
    async close() {
      await fx.close();
      await results.close();
      await oidc.close();
      await api.close();
    },
  };
}

/** A bare remote for the backup, with the one commit a person makes when creating the repository. */
export function createBackupRemote(root: string): string {
  const remote = join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  git(remote, 'config', 'uploadpack.allowFilter', 'true');
  const seed = join(root, 'seed');
  git(root, 'clone', '-q', remote, seed);
  writeFileSync(join(seed, 'README.md'), '# Our Projectplace backup\n');
  git(seed, 'add', 'README.md');
  git(seed, '-c', 'user.name=Admin', '-c', 'user.email=admin@example.com', 'commit', '-qm', 'Start');
  git(seed, 'push', '-q', 'origin', 'main');
  return remote;
}

export interface PreparedJob {
  workspace: string;
  temp: string;
  /** The runner's command files: output, summary, state, env, path. */
  files: Record<string, string>;
  /** What the runner gives every job: GITHUB_*, RUNNER_*, the command files (no service URLs, no inputs). */
  env: NodeJS.ProcessEnv;
}

/** A job folder as the runner and examples/backup.yml leave it: blobless, sparse checkout, empty command files. */
export function prepareJob(root: string, remote: string, job: number, runId: number): PreparedJob {
  const jobDir = join(root, `job-${job}`);
  const workspace = join(jobDir, 'workspace');
  const temp = join(jobDir, 'temp');
  mkdirSync(temp, { recursive: true });
  git(jobDir, 'clone', '-q', '--filter=blob:none', '--no-checkout', `file://${remote}`, workspace);
  git(workspace, 'sparse-checkout', 'set', '--no-cone', '/.workspace-backup/', '/.gitattributes');
  git(workspace, '-c', 'filter.lfs.smudge=', '-c', 'filter.lfs.required=false', 'checkout', '-q', 'main');
  const files: Record<string, string> = {};
  for (const f of ['output', 'summary', 'state', 'env', 'path']) {
    files[f] = join(temp, `${f}.txt`);
    writeFileSync(files[f], '');
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'octo-org/backup',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_REF_NAME: 'main',
    GITHUB_RUN_ID: String(runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'schedule',
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GIT_LFS_SKIP_SMUDGE: '1',
  };
  return { workspace, temp, files, env };
}
