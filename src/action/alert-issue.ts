// Opens, updates and closes the one GitHub issue that tells a person the nightly backup needs attention.

import type { Octokit } from '@octokit/rest';

export interface RunOutcome {
  /** incomplete = finished with failures or time budget reached. */
  status: 'complete' | 'incomplete' | 'failed';
  /** Link to the workflow run. */
  runUrl: string;
  /** Markdown: counts, what failed, what to do next. */
  summary: string;
}

export interface AlertOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Label that marks the alert issue; default 'workspace-backup'. */
  label?: string;
  log?: (line: string) => void;
  /** Title of a new alert issue; default DEFAULT_ALERT_TITLE. Issues are found by label, not by title. */
  title?: string;
  /** Time allowed for all GitHub calls together, default 30 s: a hanging API must not hold the job. */
  timeoutMs?: number;
  /** Clock for the dates written into the issue. */
  now?: () => Date;
}

export interface AlertResult {
  action: 'opened' | 'updated' | 'closed' | 'none' | 'error';
  /** The issue opened, updated or (the oldest one) closed. */
  number?: number;
  /** For 'error': what went wrong and what to do. */
  message?: string;
}

export const DEFAULT_ALERT_LABEL = 'workspace-backup';
export const DEFAULT_ALERT_TITLE = 'Backup needs attention: Projectplace backup did not complete';

/** GitHub refuses issue and comment bodies over 65536 characters; keep the summary well below. */
const MAX_SUMMARY_CHARS = 50_000;
/** Pages of 100 open alert issues read at most (there should be one). */
const MAX_PAGES = 20;
const SECTION_START = '<!-- workspace-backup:last-failure:start -->';
const SECTION_END = '<!-- workspace-backup:last-failure:end -->';

/** One GitHub call site, named for the error message ("while closing issue #3"). */
class AlertStepError extends Error {
  override name = 'AlertStepError';
  readonly step: string;
  readonly issueNumber: number | undefined;
  constructor(step: string, cause: unknown, issueNumber?: number) {
    super(step, { cause });
    this.step = step;
    this.issueNumber = issueNumber;
  }
}

interface Ctx {
  octokit: Octokit;
  /** Masks secrets in text posted to GitHub. */
  mask: (text: string) => string;
  owner: string;
  repo: string;
  label: string;
  title: string;
  log: (line: string) => void;
  signal: AbortSignal;
  when: string;
}

interface OpenIssue {
  number: number;
  body: string;
}

async function step<T>(name: string, fn: () => Promise<T>, issueNumber?: number): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AlertStepError(name, err, issueNumber);
  }
}

/**
 * On failed/incomplete: finds the one open issue with the label (oldest if several), creates it if none, else adds a
 * comment with this run (and updates the body's "last failure" section). On complete: closes the open alert
 * issue(s) with a comment linking the good run. Returns what it did. Never throws for API failures (a backup must not
 * fail because the alert could not be filed): returns { action: 'error', message } instead, message saying which
 * permission is missing (issues: write) when GitHub answered 403/404/410.
 */
export async function reportRunToIssue(outcome: RunOutcome, opts: AlertOptions): Promise<AlertResult> {
  const secrets = await tokenOf(opts.octokit);
  const log = (line: string): void => {
    try {
      opts.log?.(redact(line, secrets));
    } catch {
      // A broken logger must not turn a filed alert into an error.
    }
  };
  let ctx: Ctx | undefined;
  try {
    ctx = {
      octokit: opts.octokit,
      mask: (text) => redact(text, secrets),
      owner: opts.owner,
      repo: opts.repo,
      label: opts.label ?? DEFAULT_ALERT_LABEL,
      title: opts.title ?? DEFAULT_ALERT_TITLE,
      log,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      when: formatWhen((opts.now ?? (() => new Date()))()),
    };
    const c = ctx;
    const open = await step('listing open issues', () => findOpenAlertIssues(c));
    if (outcome.status === 'complete') return await closeAlerts(c, outcome, open);
    return await raiseAlert(c, outcome, open);
  } catch (err) {
    const message = redact(describeFailure(err, opts, ctx?.signal), secrets);
    log(`Could not update the backup alert issue: ${message}`);
    const issueNumber = err instanceof AlertStepError ? err.issueNumber : undefined;
    return { action: 'error', ...(issueNumber !== undefined && { number: issueNumber }), message };
  }
}

/**
 * Open issues carrying the label, oldest first; pull requests (which GitHub lists among issues) left out. Follows the
 * Link header itself: octokit.paginate drops `request.signal`, so a hanging page would outlive the time limit.
 */
async function findOpenAlertIssues(ctx: Ctx): Promise<OpenIssue[]> {
  const first = await ctx.octokit.rest.issues.listForRepo({
    owner: ctx.owner,
    repo: ctx.repo,
    state: 'open',
    labels: ctx.label,
    sort: 'created',
    direction: 'asc',
    per_page: 100,
    request: { signal: ctx.signal },
  });
  const items = [...first.data];
  let next = nextPageUrl(first.headers.link);
  for (let pages = 1; next !== undefined && pages < MAX_PAGES; pages++) {
    const page = (await ctx.octokit.request({ method: 'GET', url: next, request: { signal: ctx.signal } })) as typeof first;
    items.push(...page.data);
    next = nextPageUrl(page.headers.link);
  }
  return items
    .filter((i) => i.pull_request === undefined || i.pull_request === null)
    .map((i) => ({ number: i.number, body: i.body ?? '' }))
    .sort((a, b) => a.number - b.number);
}

function nextPageUrl(link: string | undefined): string | undefined {
  return /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];
}

async function raiseAlert(ctx: Ctx, outcome: RunOutcome, open: OpenIssue[]): Promise<AlertResult> {
  const { octokit, owner, repo, signal } = ctx;
  const existing = open[0];
  if (!existing) {
    const created = await step('creating the alert issue', () =>
      octokit.rest.issues.create({ owner, repo, title: ctx.title, body: ctx.mask(renderIssueBody(outcome, ctx.when, ctx.label)), labels: [ctx.label], request: { signal } }),
    );
    const number = created.data.number;
    ctx.log(`Opened issue #${number} (${created.data.html_url}): the backup ${outcome.status === 'failed' ? 'failed' : 'did not complete'}.`);
    const labelled = created.data.labels.some((l) => (typeof l === 'string' ? l : l.name)?.toLowerCase() === ctx.label.toLowerCase());
    if (!labelled) {
      ctx.log(`Warning: GitHub dropped the label "${ctx.label}" from issue #${number} (the token may lack push access), so the next run will not find this issue.`);
    }
    return { action: 'opened', number };
  }
  const number = existing.number;
  await step(`commenting on issue #${number}`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: ctx.mask(renderFailureComment(outcome, ctx.when)), request: { signal } }), number);
  await step(
    `updating issue #${number}`,
    () => octokit.rest.issues.update({ owner, repo, issue_number: number, body: ctx.mask(replaceLastFailure(existing.body, outcome, ctx.when)), request: { signal } }),
    number,
  );
  ctx.log(`Updated issue #${number}: another run ${outcome.status === 'failed' ? 'failed' : 'did not complete'}.`);
  if (open.length > 1) ctx.log(`Note: ${open.length} open issues carry the label "${ctx.label}"; updated the oldest, #${number}.`);
  return { action: 'updated', number };
}

async function closeAlerts(ctx: Ctx, outcome: RunOutcome, open: OpenIssue[]): Promise<AlertResult> {
  const { octokit, owner, repo, signal } = ctx;
  if (open.length === 0) {
    ctx.log('The backup is complete and no alert issue is open.');
    return { action: 'none' };
  }
  for (const issue of open) {
    const number = issue.number;
    await step(`commenting on issue #${number}`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: ctx.mask(renderClosingComment(outcome, ctx.when)), request: { signal } }), number);
    await step(`closing issue #${number}`, () => octokit.rest.issues.update({ owner, repo, issue_number: number, state: 'closed', state_reason: 'completed', request: { signal } }), number);
    ctx.log(`Closed issue #${number}: the backup is complete again.`);
  }
  return { action: 'closed', number: open[0]!.number };
}

// ---------------------------------------------------------------------------------------------------------------
// Text

function statusWords(status: RunOutcome['status']): string {
  return status === 'failed' ? 'failed' : status === 'incomplete' ? 'incomplete (finished with failures or reached its time budget)' : 'complete';
}

function formatWhen(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Stops names from the backed-up service (document names in the summary) from mentioning GitHub users or teams:
 * a word joiner after `@` keeps the text readable but not a mention.
 */
function neutralizeMentions(text: string): string {
  return text.replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, '$1@\u2060');
}

function summaryText(outcome: RunOutcome): string {
  const s = outcome.summary.trim();
  if (s === '') return '_The run left no summary; see its log._';
  const chars = [...s];
  const cut = chars.length > MAX_SUMMARY_CHARS ? `${chars.slice(0, MAX_SUMMARY_CHARS).join('')}\n\n… (cut short: the full summary is in the run)` : s;
  return neutralizeMentions(cut);
}

function lastFailureSection(outcome: RunOutcome, when: string): string {
  return [SECTION_START, `**Run:** ${outcome.runUrl}`, `**Result:** ${statusWords(outcome.status)} · ${when}`, '', summaryText(outcome), SECTION_END].join('\n');
}

export function renderIssueBody(outcome: RunOutcome, when: string, label: string = DEFAULT_ALERT_LABEL): string {
  return [
    'The nightly backup into this repository did not complete, so recent changes may not be backed up yet.',
    '',
    `**First failed run:** ${outcome.runUrl} (${when})`,
    '',
    '## Last failure',
    '',
    lastFailureSection(outcome, when),
    '',
    '## What to do',
    '',
    '1. Open the run linked above; its job summary and log say what failed.',
    '2. Fix what it names: an expired or revoked credential (update the repository secret), a missing workflow permission, or a service that was down.',
    '   A run that only reached its time budget continues where it stopped on the next night; if that keeps happening, raise `max-run-minutes` or split the backup into shards.',
    '3. Run the workflow again (Actions → the backup workflow → Run workflow), or wait for the next scheduled run.',
    '',
    `_This issue is kept by workspace-backup: each further failed run adds a comment here, and the next complete run closes it. Keep the \`${label}\` label on it._`,
  ].join('\n');
}

/** The body with its "last failure" section replaced (or appended, when someone edited the markers away). */
export function replaceLastFailure(body: string, outcome: RunOutcome, when: string): string {
  const section = lastFailureSection(outcome, when);
  const start = body.indexOf(SECTION_START);
  const end = body.indexOf(SECTION_END, start + 1);
  if (start >= 0 && end > start) return body.slice(0, start) + section + body.slice(end + SECTION_END.length);
  return `${body.trimEnd()}\n\n## Last failure\n\n${section}\n`;
}

export function renderFailureComment(outcome: RunOutcome, when: string): string {
  return [`The backup run ${outcome.runUrl} was **${statusWords(outcome.status)}** (${when}).`, '', summaryText(outcome)].join('\n');
}

export function renderClosingComment(outcome: RunOutcome, when: string): string {
  return `The backup is complete again: ${outcome.runUrl} (${when}). Closing this issue; a later failure opens a new one.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

interface HttpErrorLike {
  status: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function asHttpError(err: unknown): HttpErrorLike | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? (err as HttpErrorLike) : undefined;
}

function githubMessage(e: HttpErrorLike): string {
  const data = e.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  return '';
}

/** What failed, why, and what the user must do; names the missing permission when GitHub says one is missing. */
function describeFailure(err: unknown, opts: AlertOptions, signal: AbortSignal | undefined): string {
  if (!(err instanceof AlertStepError)) return `could not prepare the alert issue: ${err instanceof Error ? err.message : String(err)}`;
  const where = err.step;
  const cause = err.cause;
  const target = `${opts.owner}/${opts.repo}`;
  if (signal?.aborted) return `GitHub did not answer in time while ${where} in ${target}; the backup itself is unaffected.`;
  const http = asHttpError(cause);
  // Octokit reports a network failure as status 500 without a response.
  if (!http?.response) return `could not reach GitHub while ${where} in ${target}: ${networkReason(cause)}`;
  const said = githubMessage(http);
  const answered = `GitHub answered ${http.status}${said ? ` (${said})` : ''} while ${where} in ${target}`;
  const headers = http.response?.headers ?? {};
  const remaining = headers['x-ratelimit-remaining'];
  if ((http.status === 403 || http.status === 429) && (String(remaining) === '0' || /rate limit/i.test(said))) {
    return `${answered}: the token's API rate limit is used up; the alert will be filed by a later run.`;
  }
  switch (http.status) {
    case 401:
      return `${answered}: the token was refused; check the github-token input (the default GITHUB_TOKEN works).`;
    case 403: {
      const accepted = headers['x-accepted-github-permissions'];
      return `${answered}: the workflow's token needs the \`issues: write\` permission${accepted ? ` (GitHub asks for ${String(accepted)})` : ''}. Add \`permissions: { contents: write, issues: write }\` to the backup job.`;
    }
    case 404:
      return `${answered}: GitHub hides what a token may not see, so either ${target} is not the right repository or the workflow's token lacks the \`issues: write\` permission. Add \`permissions: { contents: write, issues: write }\` to the backup job.`;
    case 410:
      return `${answered}: Issues are turned off in ${target}. Turn them on (Settings → General → Features → Issues) and give the workflow \`issues: write\`, or the backup cannot tell anyone when it fails.`;
    default:
      return `${answered}.`;
  }
}

function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const inner = err.cause instanceof Error ? err.cause : undefined;
  const code = inner === undefined ? undefined : (inner as Error & { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : inner ? `${err.message} (${inner.message})` : err.message;
}

/** The token Octokit sends, so that no message can carry it even if a server echoed it back. */
async function tokenOf(octokit: Octokit): Promise<string[]> {
  try {
    const auth = (await octokit.auth()) as { token?: unknown };
    return typeof auth.token === 'string' && auth.token.length >= 4 ? [auth.token] : [];
  } catch {
    return [];
  }
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
