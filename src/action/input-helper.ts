// The one place that reads the Action's inputs and the runner's environment: returns one typed settings object.

import * as core from '@actions/core';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { addSecret, onSecret } from '../lib/log.ts';
import { buildConfig, type BackupConfig } from '../settings/backup-config.ts';

export interface ActionSettings {
  config: BackupConfig;
  fullResync: boolean;
  dryRun: boolean;
  push: boolean;
  alertIssue: boolean;
  pages: boolean;
  allowPublicPages: boolean;
  serverUrl: string;
  githubToken: string;
  owner: string;
  repo: string;
  runUrl: string;
  apiUrl: string;
  runnerTemp: string;
  workspace: string;
  /** Cache keys for state.db: one per run, restored by prefix. */
  cacheKey: string;
  cacheRestorePrefix: string;
}

/** Inputs handed to the shared configuration builder, by their action.yml names. */
const configInputs = [
  'host', 'consumer-key', 'consumer-secret', 'access-token', 'access-token-secret', 'client-id', 'client-secret',
  'workspace-ids', 'lfs-threshold', 'concurrency', 'repo-path', 'max-run-minutes', 'sources',
] as const;
const secretInputs = ['consumer-secret', 'access-token', 'access-token-secret', 'client-secret', 'github-token'];

function booleanInput(name: string, fallback: boolean): boolean {
  const v = core.getInput(name).trim().toLowerCase();
  if (v === '') return fallback;
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  throw new ConfigError(`input ${name} is ${JSON.stringify(v)}; expected true or false`);
}

export function getSettings(env: NodeJS.ProcessEnv = process.env): ActionSettings {
  // Every secret the tool learns from now on (credentials, OAuth2 tokens) is masked by the runner too.
  onSecret((s) => core.setSecret(s));
  for (const name of secretInputs) addSecret(core.getInput(name));

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const raw: Record<string, string> = {};
  for (const name of configInputs) {
    const v = core.getInput(name);
    if (v !== '') raw[name] = v;
  }
  raw['repo-path'] ??= '.';
  raw['max-run-minutes'] ??= '300';
  const branch = core.getInput('commit-branch') || env.GITHUB_REF_NAME || 'main';
  const config = buildConfig({ ...raw, branch }, workspace, {});
  if (!isAbsolute(config.repoPath)) config.repoPath = resolve(workspace, config.repoPath);

  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  const runId = env.GITHUB_RUN_ID ?? '0';
  const prefix = `workspace-backup-state-${config.branch}-`;
  return {
    config,
    fullResync: booleanInput('full-resync', false),
    dryRun: booleanInput('dry-run', false),
    push: booleanInput('push', true),
    alertIssue: booleanInput('alert-issue', true),
    pages: booleanInput('pages', false),
    allowPublicPages: booleanInput('allow-public-pages', false),
    serverUrl,
    githubToken: core.getInput('github-token'),
    owner,
    repo,
    runUrl: `${serverUrl}/${repository}/actions/runs/${runId}`,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    runnerTemp: env.RUNNER_TEMP || resolve(workspace, '..'),
    workspace,
    cacheKey: `${prefix}${runId}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    cacheRestorePrefix: prefix,
  };
}
