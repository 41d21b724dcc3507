// The crash campaign's judges of one repo: verify --read-data (the engine's verifyBackup), and the repo against the
// simulator (test/reliability/repo-check.ts).

import { verifyBackup, type Problem } from '../../src/engine/verify.ts';
import { formatBytes } from '../../src/lib/format.ts';
import type { SimControl } from '../../src/sim/control-client.ts';
import { checkRepoAgainstSim, differences } from './repo-check.ts';

export interface VerifyOutcome {
  ok: boolean;
  /** Errors (the backup does not hold what it says), then warnings marked as such. */
  problems: string[];
  summary: string;
}

/** `workspace-backup verify --read-data`, in process: every blob and LFS object hashed against the manifest. */
export async function verifyRepo(repoDir: string, opts: { readData: boolean }): Promise<VerifyOutcome> {
  const r = await verifyBackup({ repoDir, branch: 'main', readData: opts.readData });
  const line = (p: Problem) => `${p.severity === 'warning' ? 'warning: ' : ''}${p.kind}${p.path ? ` ${p.path}` : ''}: ${p.detail}`;
  const errors = r.problems.filter((p) => p.severity === 'error');
  return {
    ok: r.ok,
    problems: [...errors, ...r.problems.filter((p) => p.severity !== 'error')].map(line),
    summary: `${r.checked.files} files, ${r.checked.lfsObjects} LFS, ${formatBytes(r.checked.bytes)} read`,
  };
}

/**
 * The branch against the simulator now: no wrong or missing byte, no unknown file, safe paths, and equal to the
 * service (every live item backed up with its current content, name and place; every gone one marked deleted).
 * `ignore`: files that are not part of the backup (a README a person committed).
 */
export async function checkAgainstSim(repoDir: string, control: SimControl, ignore: readonly string[] = []): Promise<string[]> {
  const c = await checkRepoAgainstSim(repoDir, control, 'refs/heads/main');
  return [
    ...c.wrongBytes,
    ...c.missing,
    ...c.wrongInHistory,
    ...c.unknownFiles.filter((f) => !ignore.includes(f)).map((f) => `unknown file ${f}`),
    ...c.unsafePaths.map((p) => `unsafe path ${p}`),
    ...differences(c),
  ];
}
