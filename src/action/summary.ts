// The job summary and the step outputs of a run: what a person reads in the Actions tab, and what later steps use.

import * as core from '@actions/core';
import type { SyncReport } from '../engine/sync.ts';
import type { VerifyReport } from '../engine/verify.ts';
import { formatBytes } from '../lib/format.ts';

function escapeCell(s: string): string {
  return s.replace(/[|<>&\n\r]/g, (c) => ({ '|': '\\|', '<': '&lt;', '>': '&gt;', '&': '&amp;', '\n': ' ', '\r': ' ' })[c]!);
}

/** Outputs of the whole run: counts summed over the sources' reports. */
export function setOutputs(reports: SyncReport[], run: { reportPath: string; commitSha: string | undefined; complete: boolean }): void {
  const sum = (f: (r: SyncReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  core.setOutput('documents-added', sum((r) => r.documents.added));
  core.setOutput('documents-changed', sum((r) => r.documents.changed + r.drift.length));
  core.setOutput('documents-deleted', sum((r) => r.documents.deleted));
  core.setOutput('bytes-downloaded', sum((r) => r.bytesDownloaded));
  core.setOutput('commit-sha', run.commitSha ?? '');
  core.setOutput('report-path', run.reportPath);
  core.setOutput('complete', String(run.complete));
}

export function setVerifyOutput(v: VerifyReport | undefined): void {
  core.setOutput('verified', v ? String(v.ok) : '');
}

function verifyCell(v: VerifyReport): string {
  const errors = v.problems.filter((p) => p.severity === 'error').length;
  const what = `${v.checked.entries} entries, ${v.checked.files} files${v.readData ? `, ${formatBytes(v.checked.bytes)} read back` : ''}${v.checked.notLocal ? `, ${v.checked.notLocal} held only by the remote` : ''}`;
  return errors ? `**${errors} problems** (${what})` : `ok (${what})`;
}

/** Markdown for the job summary (also used as the alert issue's body). */
export function summaryMarkdown(report: SyncReport, opts: { title?: string; seconds: number; pushed: boolean; note?: string; verify?: VerifyReport }): string {
  const c = report.counts;
  const lines: string[] = [];
  const name = opts.title ?? 'Projectplace';
  lines.push(`## ${name} backup: ${report.dryRun ? 'dry run' : report.complete ? 'complete' : 'INCOMPLETE'}`);
  if (opts.note) lines.push('', opts.note);
  lines.push('', '| | |', '|---|---|');
  lines.push(`| new | ${c.new} |`, `| changed | ${c.modified} |`, `| renamed / moved | ${c.renamed} / ${c.moved} |`, `| deleted in ${name} (kept here) | ${c.deleted} |`);
  lines.push(`| archived workspaces | ${c.archived} |`, `| unchanged | ${c.unchanged} |`, `| failed | ${c.failed} |`, `| left for the next run | ${c.skipped} |`);
  lines.push(`| downloaded | ${report.documentsDownloaded} documents, ${formatBytes(report.bytesDownloaded)} |`, `| duration | ${Math.round(opts.seconds)} s |`);
  lines.push(`| commit | ${report.commitSha ? `\`${report.commitSha.slice(0, 12)}\`` : '—'}${opts.pushed ? ' (pushed)' : ''} |`);
  if (report.drift.length) lines.push(`| repaired drift | ${report.drift.length} |`);
  if (report.stateRebuilt) lines.push('| state | rebuilt from the repository manifest |');
  if (opts.verify) lines.push(`| verify${opts.verify.readData ? ' (read back)' : ''} | ${verifyCell(opts.verify)} |`);
  lines.push('', report.source === 'projectplace' ? '### Workspaces' : '### Containers', '', `| ${report.source === 'projectplace' ? 'workspace' : 'container'} | listed | changes |`, '|---|---|---|');
  for (const w of report.workspaces) {
    const changes = Object.entries(w.changes).map(([k, v]) => `${v} ${k}`).join(', ') || '—';
    lines.push(`| ${escapeCell(w.name)}${w.archived ? ' (archived)' : ''} | ${w.listingError ? '**listing failed**' : w.listed} | ${escapeCell(changes)} |`);
  }
  if (report.drift.length) {
    lines.push('', `### Drift repaired (the repository held other bytes than ${name})`, '');
    for (const d of report.drift.slice(0, 50)) lines.push(`- \`${escapeCell(d.path)}\``);
  }
  const verifyErrors = opts.verify?.problems.filter((p) => p.severity === 'error') ?? [];
  if (verifyErrors.length) {
    lines.push('', '### Verify found problems', '', 'The backup in the repository does not match its manifest. Nothing was deleted; each line says what to do.', '');
    for (const p of verifyErrors.slice(0, 50)) lines.push(`- ${p.kind}${p.path ? ` \`${escapeCell(p.path)}\`` : ''}: ${escapeCell(p.detail)}. ${escapeCell(p.fix)}`);
    if (verifyErrors.length > 50) lines.push(`- … and ${verifyErrors.length - 50} more (run \`workspace-backup verify\` on a clone)`);
  }
  if (report.failures.length) {
    lines.push('', '### Failures', '', 'What failed is retried by the next run; nothing already backed up was changed.', '');
    for (const f of report.failures.slice(0, 50)) lines.push(`- ${f.action} \`${escapeCell(f.path)}\`: ${escapeCell(f.error)}`);
    if (report.failures.length > 50) lines.push(`- … and ${report.failures.length - 50} more (see the run report)`);
  }
  if (c.skipped) lines.push('', `The time budget (max-run-minutes) was reached: ${c.skipped} documents are left for the next run, which continues where this one stopped.`);
  return lines.join('\n') + '\n';
}
