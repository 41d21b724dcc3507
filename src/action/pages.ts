// Publishes the rendered backup site to the repository's GitHub Pages, and refuses wherever the site is or would be public.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import type { Octokit } from '@octokit/rest';

export interface PublishOptions {
  /** The rendered site (its index.html at the top). */
  siteDir: string;
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Publish even when the Pages site is public (the `allow-public-pages` input). */
  allowPublic: boolean;
  /** The commit the site was built from (GITHUB_SHA): the deployment's `pages_build_version`. */
  sha: string;
  /** Scratch space for the tar (RUNNER_TEMP); what we write there is removed again. */
  tempDir: string;
  log: (line: string) => void;
  /** First wait between deployment status polls, default 5000 ms (grows ×1.5 up to 30 s, as deploy-pages does). */
  pollIntervalMs?: number;
  /** How long to wait for the deployment, default 600000 ms; on timeout it is cancelled. */
  timeoutMs?: number;
}

export type PublishResult = { published: true; url: string; deploymentId: string } | { published: false; reason: string };

/** The artifact name deploy-pages looks for, and its retention (upload-pages-artifact's default). */
export const PAGES_ARTIFACT = 'github-pages';
const RETENTION_DAYS = 1;
const ONE_GIB = 1024 ** 3;
/** GitHub's absolute limit for a Pages artifact. */
const MAX_ARTIFACT_BYTES = 10 * ONE_GIB;
const MAX_POLL_INTERVAL_MS = 30_000;
const MAX_POLL_ERRORS = 10;

const PERMISSIONS_HINT = 'Give the job `permissions: { pages: write, id-token: write }` (and `environment: github-pages`).';
const PRIVATE_HINT = 'Private Pages need GitHub Enterprise Cloud: set the site to Private in Settings → Pages';
const PUBLIC_HINT = 'or set `allow-public-pages: true` if you really mean to publish the backup for anyone on the internet.';

/** Thrown inside publishSite to stop with a reason; never escapes it. */
class Refusal extends Error {
  override name = 'Refusal';
  /** Delete the artifact already uploaded (nothing of a refused site stays behind). */
  readonly dropArtifact: boolean;
  constructor(reason: string, dropArtifact = false) {
    super(reason);
    this.dropArtifact = dropArtifact;
  }
}

function httpStatus(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function errorText(err: unknown): string {
  const data = (err as { response?: { data?: unknown } } | null)?.response?.data;
  const apiMessage = typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return apiMessage && !message.includes(apiMessage) ? `${message}: ${apiMessage}` : message;
}

interface PagesSite {
  /** The `public` field exactly as GitHub sent it (undefined when absent). */
  public: unknown;
  htmlUrl: string | undefined;
  buildType: unknown;
}

/** GET /repos/{o}/{r}/pages; a Refusal for 404 (Pages off), 403 and every other failure. */
async function readSite(o: PublishOptions): Promise<PagesSite> {
  const nwo = `${o.owner}/${o.repo}`;
  try {
    const { data } = await o.octokit.rest.repos.getPages({ owner: o.owner, repo: o.repo });
    const d = data as unknown as Record<string, unknown>;
    return { public: d.public, htmlUrl: typeof d.html_url === 'string' ? d.html_url : undefined, buildType: d.build_type };
  } catch (err) {
    const status = httpStatus(err);
    if (status === 404) {
      throw new Refusal(
        `GitHub Pages is not enabled for ${nwo} (GET /repos/${nwo}/pages answered 404), so the site was not published. ` +
          `Enable it in Settings → Pages with Source "GitHub Actions". ${PRIVATE_HINT} (on other plans the site would be public), ${PUBLIC_HINT}`,
      );
    }
    if (status === 401) throw new Refusal(`GitHub refused the token (HTTP 401 while reading the Pages settings of ${nwo}), so the site was not published. Check the github-token input.`);
    if (status === 403) throw new Refusal(`The token may not read the Pages settings of ${nwo} (HTTP 403: ${errorText(err)}), so the site was not published. ${PERMISSIONS_HINT}`);
    throw new Refusal(`Could not read the Pages settings of ${nwo} (${status ? `HTTP ${status}: ` : ''}${errorText(err)}), so the site was not published; the next run tries again.`);
  }
}

/** Undefined when publishing to this site is allowed; otherwise why not. Anything but `public: false` counts as public. */
function visibilityRefusal(o: PublishOptions, site: PagesSite, when: string): string | undefined {
  if (site.public === false) return undefined;
  const nwo = `${o.owner}/${o.repo}`;
  if (o.allowPublic) {
    o.log(`Warning: the Pages site of ${nwo} is ${site.public === true ? 'PUBLIC' : 'not known to be private'}; publishing anyway because allow-public-pages is true.`);
    return undefined;
  }
  if (site.public === true) {
    return (
      `The GitHub Pages site of ${nwo} is public${when}: anyone on the internet could read the backup${site.htmlUrl ? ` at ${site.htmlUrl}` : ''}, so it was not published. ` +
      `${PRIVATE_HINT}, ${PUBLIC_HINT}`
    );
  }
  return (
    `GitHub did not say that the Pages site of ${nwo} is private${when} (GET /repos/${nwo}/pages has ${site.public === undefined ? 'no "public" field' : `"public": ${JSON.stringify(site.public)}`}), ` +
    `so it is treated as public and the site was not published. ${PRIVATE_HINT} (a private repository alone does not make Pages private), ${PUBLIC_HINT}`
  );
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** An uncompressed tar of the folder's contents, without .git, .github or hidden files, as upload-pages-artifact makes it. */
async function tarSite(siteDir: string, tarPath: string): Promise<number> {
  const dir = await stat(siteDir).catch(() => undefined);
  if (!dir?.isDirectory()) throw new Refusal(`The site folder ${siteDir} does not exist, so there is nothing to publish.`);
  await run('tar', ['--dereference', '--hard-dereference', '--directory', siteDir, '-cf', tarPath, '--exclude=.git', '--exclude=.github', '--exclude=.[^/]*', '.']);
  return (await stat(tarPath)).size;
}

function artifactRefusal(err: unknown, what: string): Refusal {
  const text = errorText(err);
  if (/ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL/.test(text)) {
    return new Refusal(`The site can only be published from a GitHub Actions workflow run (${text}).`);
  }
  if (/GHES|Enterprise Server/i.test(text)) return new Refusal(`Publishing to Pages from GitHub Enterprise Server is not supported (${text}).`);
  return new Refusal(`Could not ${what} the Pages artifact (${text}), so the site was not published; the next run tries again.`);
}

/** Uploads the tar as the `github-pages` artifact (replacing one left in this run) and returns its id. */
async function uploadTar(o: PublishOptions, tarPath: string, root: string): Promise<number> {
  const client = new DefaultArtifactClient();
  let existing: { id: number; name: string }[];
  try {
    existing = (await client.listArtifacts()).artifacts.filter((a) => a.name === PAGES_ARTIFACT);
  } catch (err) {
    throw artifactRefusal(err, 'list');
  }
  if (existing.length > 0) {
    o.log(`Replacing the ${PAGES_ARTIFACT} artifact already uploaded in this run.`);
    try {
      await client.deleteArtifact(PAGES_ARTIFACT);
    } catch (err) {
      throw artifactRefusal(err, 'replace');
    }
  }
  try {
    const { id } = await client.uploadArtifact(PAGES_ARTIFACT, [tarPath], root, { retentionDays: RETENTION_DAYS });
    if (id === undefined) throw new Error('the artifact service returned no id');
    return id;
  } catch (err) {
    throw artifactRefusal(err, 'upload');
  }
}

async function removeArtifact(): Promise<void> {
  await new DefaultArtifactClient().deleteArtifact(PAGES_ARTIFACT).catch(() => undefined);
}

async function idToken(): Promise<string> {
  try {
    return await core.getIDToken();
  } catch (err) {
    throw new Refusal(`Could not get an OIDC token for the Pages deployment (${errorText(err)}), so the site was not published. ${PERMISSIONS_HINT}`);
  }
}

interface Deployment {
  id: string;
  pageUrl: string | undefined;
}

async function createDeployment(o: PublishOptions, artifactId: number, token: string): Promise<Deployment> {
  const nwo = `${o.owner}/${o.repo}`;
  try {
    const { data } = await o.octokit.rest.repos.createPagesDeployment({ owner: o.owner, repo: o.repo, artifact_id: artifactId, pages_build_version: o.sha, oidc_token: token });
    const id = String(data.id || data.status_url?.split('/').pop() || o.sha);
    return { id, pageUrl: data.page_url };
  } catch (err) {
    const status = httpStatus(err);
    const head = `GitHub refused the Pages deployment of ${nwo} (HTTP ${status ?? '?'}: ${errorText(err)}), so the site was not published.`;
    if (status === 403) throw new Refusal(`${head} ${PERMISSIONS_HINT}`);
    if (status === 404) throw new Refusal(`${head} Enable GitHub Pages in Settings → Pages with Source "GitHub Actions".`);
    if (status !== undefined && status >= 500) throw new Refusal(`${head} GitHub had a server error; the next run tries again.`);
    throw new Refusal(head);
  }
}

/** deploy-pages' words for the final failure statuses, with what to do. */
const FAILED: Record<string, string> = {
  deployment_failed: 'The Pages deployment failed; the next run tries again.',
  deployment_content_failed: 'GitHub could not deploy the site: it must not contain hard links or symlinks, and must be under 10 GB.',
  deployment_cancelled: 'The Pages deployment was cancelled.',
  deployment_lost: 'The Pages deployment failed to report its final status; the next run tries again.',
};

async function waitForDeployment(o: PublishOptions, d: Deployment): Promise<void> {
  const started = Date.now();
  const timeoutMs = o.timeoutMs ?? 600_000;
  let interval = o.pollIntervalMs ?? 5000;
  let errors = 0;
  let last = '';
  const cancel = async (why: string): Promise<never> => {
    try {
      await o.octokit.rest.repos.cancelPagesDeployment({ owner: o.owner, repo: o.repo, pages_deployment_id: d.id });
      o.log(`Cancelled Pages deployment ${d.id}.`);
    } catch (err) {
      o.log(`Could not cancel Pages deployment ${d.id}: ${errorText(err)}`);
    }
    throw new Refusal(why);
  };
  for (;;) {
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) return cancel(`The Pages deployment did not finish within ${Math.round(timeoutMs / 1000)} s (last status: ${last || 'unknown'}); it was cancelled and the next run tries again.`);
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
    interval = Math.min(Math.round(interval * 1.5), MAX_POLL_INTERVAL_MS);
    let status: string;
    try {
      const { data } = await o.octokit.rest.repos.getPagesDeployment({ owner: o.owner, repo: o.repo, pages_deployment_id: d.id });
      status = String(data.status ?? '');
    } catch (err) {
      errors++;
      o.log(`Could not read the Pages deployment status (${errorText(err)}).`);
      if (errors >= MAX_POLL_ERRORS) return cancel(`The Pages deployment status could not be read ${errors} times (last: ${errorText(err)}); it was cancelled and the next run tries again.`);
      continue;
    }
    if (status === 'succeed') return;
    const failed = FAILED[status];
    if (failed) throw new Refusal(`${failed} (status ${status})`);
    if (status !== last) o.log(`Pages deployment: ${status}${status === 'deployment_attempt_error' ? ' (GitHub retries it)' : ''}`);
    last = status;
  }
}

function absoluteUrl(u: string): string {
  return /^https?:\/\//i.test(u) ? u : `https://${u}`;
}

/**
 * Refuses (published:false with a clear reason) unless GET pages says public === false (or allowPublic). Then: tar the
 * site (uncompressed, folder contents, no hidden files, as upload-pages-artifact does), upload it with @actions/artifact
 * as `github-pages` (retention 1 day), get an OIDC token with core.getIDToken(), recheck visibility, POST the
 * deployment, poll until succeed/failure/timeout (cancel on timeout). Never throws: every problem is published:false
 * with a reason that says what to do.
 */
export async function publishSite(opts: PublishOptions): Promise<PublishResult> {
  const nwo = `${opts.owner}/${opts.repo}`;
  let work: string | undefined;
  let uploaded = false;
  try {
    const site = await readSite(opts);
    const refused = visibilityRefusal(opts, site, '');
    if (refused) throw new Refusal(refused);
    if (site.buildType === 'legacy') opts.log(`Note: Pages of ${nwo} builds from a branch; set Source to "GitHub Actions" in Settings → Pages so this deployment is what gets served.`);
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new Refusal(`The job cannot get an OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set), which a Pages deployment needs, so the site was not published. ${PERMISSIONS_HINT}`);
    }

    work = join(opts.tempDir, `pages-${randomBytes(4).toString('hex')}`);
    await mkdir(work, { recursive: true });
    const tarPath = join(work, 'artifact.tar');
    const size = await tarSite(opts.siteDir, tarPath);
    if (size > MAX_ARTIFACT_BYTES) throw new Refusal(`The site is ${(size / ONE_GIB).toFixed(1)} GiB, over GitHub Pages' 10 GB limit, so it was not published.`);
    if (size > ONE_GIB) opts.log(`Warning: the site is ${(size / ONE_GIB).toFixed(1)} GiB; GitHub Pages supports 1 GB officially, so the deployment may fail.`);
    const artifactId = await uploadTar(opts, tarPath, work);
    uploaded = true;
    opts.log(`Uploaded the site (${size} bytes) as artifact ${artifactId}.`);

    const token = await idToken();
    // The settings may have changed while we uploaded: look again right before deploying.
    const again = visibilityRefusal(opts, await readSite(opts), ' (checked again right before deploying)');
    if (again) throw new Refusal(again, true);

    const deployment = await createDeployment(opts, artifactId, token);
    opts.log(`Created Pages deployment ${deployment.id}.`);
    await waitForDeployment(opts, deployment);
    const url = absoluteUrl(deployment.pageUrl ?? site.htmlUrl ?? `https://${opts.owner.toLowerCase()}.github.io/${opts.repo}/`);
    opts.log(`Published the site to ${url}`);
    return { published: true, url, deploymentId: deployment.id };
  } catch (err) {
    const reason = err instanceof Refusal ? err.message : `Publishing to GitHub Pages failed unexpectedly: ${errorText(err)}`;
    // A refused visibility recheck leaves nothing behind; a failed deployment keeps its artifact for a look.
    if (uploaded && err instanceof Refusal && err.dropArtifact) await removeArtifact();
    opts.log(reason);
    return { published: false, reason };
  } finally {
    if (work) await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}
