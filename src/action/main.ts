// The GitHub Action: inputs → one engine run → push, cache, alert, summary and outputs. No backup logic lives here.

import * as core from '@actions/core';
import { Octokit } from '@octokit/rest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnectors } from '../connectors/index.ts';
import { renderRepo } from '../engine/render/index.ts';
import { Git } from '../engine/store/git.ts';
import type { SyncReport } from '../engine/sync.ts';
import { outcomesJson, syncSources } from '../engine/sync-sources.ts';
import { verifyBackup, type VerifyReport } from '../engine/verify.ts';
import { RateLimiter } from '../lib/http/limiter.ts';
import { Logger, maskSecrets } from '../lib/log.ts';
import { reportRunToIssue } from './alert-issue.ts';
import { getSettings, type ActionSettings } from './input-helper.ts';
import { publishSite, type PublishResult } from './pages.ts';
import { pushBackup } from './push.ts';
import { restoreState, saveState } from './state-cache.ts';
import { setOutputs, setVerifyOutput, summaryMarkdown } from './summary.ts';

const logger = new Logger({
  debug: core.isDebug(),
  sink: (level, line) => (level === 'debug' ? core.debug(line) : level === 'warn' ? core.warning(line) : level === 'error' ? core.error(line) : core.info(line)),
});

async function alert(s: ActionSettings, status: 'complete' | 'incomplete' | 'failed', summary: string): Promise<void> {
  if (!s.alertIssue || !s.githubToken || !s.owner) return;
  // Octokit's own request log goes to debug: reportRunToIssue says what failed, once, in words.
  const octokit = new Octokit({ auth: s.githubToken, baseUrl: s.apiUrl, log: { debug: core.debug, info: core.debug, warn: core.debug, error: core.debug } });
  const r = await reportRunToIssue({ status, runUrl: s.runUrl, summary }, { octokit, owner: s.owner, repo: s.repo, log: (l) => core.info(l) });
  if (r.action === 'error') core.warning('The alert issue could not be updated; the line above says why.');
  else if (r.action !== 'none') core.info(`Alert issue #${r.number} ${r.action}.`);
}

/** Renders the site from the backup repo (links to files on GitHub, never the bytes) and publishes it, if it stays private. */
async function publishBackupSite(s: ActionSettings, git: Git, commitSha: string | undefined): Promise<PublishResult> {
  const siteDir = join(s.runnerTemp, 'workspace-backup-site');
  const rendered = await renderRepo(git, `refs/heads/${s.config.branch}`, { links: { mode: 'github', repoUrl: `${s.serverUrl}/${s.owner}/${s.repo}`, branch: s.config.branch } }, siteDir);
  core.info(`Site rendered: ${rendered.pages} pages on ${rendered.threads === 1 ? '1 thread' : `${rendered.threads} threads`}`);
  const octokit = new Octokit({ auth: s.githubToken, baseUrl: s.apiUrl, log: { debug: core.debug, info: core.debug, warn: core.debug, error: core.debug } });
  const result = await publishSite({
    siteDir,
    octokit,
    owner: s.owner,
    repo: s.repo,
    allowPublic: s.allowPublicPages,
    sha: commitSha ?? '',
    tempDir: s.runnerTemp,
    log: (l) => core.info(l),
  });
  if (result.published) core.info(`Site published: ${result.url}`);
  else core.warning(`The backup succeeded, but its site was not published: ${result.reason}`);
  return result;
}

export async function run(): Promise<void> {
  const started = Date.now();
  let settings: ActionSettings | undefined;
  try {
    const s = (settings = getSettings());
    const git = await Git.init(s.config.repoPath, s.config.branch, logger);
    const statePath = s.config.statePath ?? join(await git.gitDir(), 'workspace-backup', 'state.db');
    await restoreState(statePath, s.cacheKey, s.cacheRestorePrefix);
    const connectors = createConnectors(s.config.sources, { limiter: new RateLimiter({ concurrency: s.config.concurrency }), logger });
    const outcomes = await syncSources(connectors, {
      repoDir: s.config.repoPath,
      branch: s.config.branch,
      statePath,
      lfsThreshold: s.config.lfsThreshold,
      concurrency: s.config.concurrency,
      dryRun: s.dryRun,
      verifyAll: s.fullResync,
      recordRun: !s.dryRun,
      deadline: s.config.maxRunMinutes ? started + s.config.maxRunMinutes * 60_000 : undefined,
      logger,
    });
    const reports = outcomes.flatMap((x) => (x.report ? [x.report] : []));
    const stopped = outcomes.filter((x) => x.error);
    // Sources run one after another on the same branch: the first started from the old head, the last left the new one.
    const headBefore = reports[0]?.headBefore;
    const commitSha = reports.at(-1)?.commitSha ?? headBefore;
    const complete = stopped.length === 0 && reports.every((r) => r.complete);
    // Every night the cheap check (manifest ↔ tree ↔ state); on a full resync, everything on the runner read back.
    // The Action's clone is blobless and holds no LFS objects: what only the remote holds is counted, not read.
    let verified: VerifyReport | undefined;
    if (!s.dryRun && commitSha) {
      verified = await verifyBackup({ repoDir: s.config.repoPath, branch: s.config.branch, statePath, readData: s.fullResync, objectsMayBeRemote: true, logger });
      for (const p of verified.problems) (p.severity === 'error' ? core.error : core.warning)(`verify: ${p.detail}. ${p.fix}`);
    }
    const pushed = !s.dryRun && s.push && commitSha !== headBefore;
    if (pushed) await pushBackup(git, s.config.branch, s.githubToken || undefined);
    if (!s.dryRun) await saveState(statePath, s.cacheKey);
    const site = s.pages && !s.dryRun ? await publishBackupSite(s, git, commitSha) : undefined;
    const reportPath = join(s.runnerTemp, 'workspace-backup-report.json');
    await writeFile(reportPath, JSON.stringify(outcomesJson(outcomes), null, 2));
    const note = site ? (site.published ? `Browse the backup: ${site.url}` : `The site was not published: ${site.reason}`) : undefined;
    const seconds = (Date.now() - started) / 1000;
    const markdown = outcomes
      .map((x, i) => (x.report ? summaryMarkdown(x.report, { title: x.displayName, seconds, pushed, note: i === 0 ? note : undefined, verify: i === outcomes.length - 1 ? verified : undefined }) : `## ${x.displayName} backup: FAILED\n\n${maskSecrets(x.error!.message)}\n`))
      .join('\n');
    await core.summary.addRaw(markdown).write();
    setOutputs(reports, { reportPath, commitSha, complete });
    setVerifyOutput(verified);
    core.setOutput('site-url', site?.published ? site.url : '');
    const damaged = verified !== undefined && !verified.ok;
    if (!s.dryRun) await alert(s, damaged || stopped.length > 0 ? 'failed' : complete ? 'complete' : 'incomplete', markdown);
    // Pushed and saved all the same: a damaged backup loses nothing more by being kept, and the summary says what to do.
    if (damaged) core.setFailed(`verify found ${verified!.problems.filter((p) => p.severity === 'error').length} problems in the backup repository (see the job summary)`);
    else if (stopped.length) core.setFailed(stopped.map((x) => `${x.displayName}: ${maskSecrets(x.error!.message)}`).join('; '));
    else if (!complete) core.warning('The backup is incomplete: what failed or was left is retried by the next run (see the job summary).');
  } catch (e) {
    const message = maskSecrets((e as Error).message ?? String(e));
    core.setOutput('complete', 'false');
    if (settings) {
      const what = `## Projectplace backup: FAILED\n\n${message}\n`;
      await core.summary.addRaw(what).write().catch(() => {});
      await alert(settings, 'failed', what).catch(() => {});
    }
    core.setFailed(message);
  }
}
