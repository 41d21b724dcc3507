// Pushes the backup to the repository the workflow runs in: LFS objects first, then the branch, never forced.

import { Git, GitError } from '../engine/store/git.ts';
import { crashPoint } from '../lib/crash-point.ts';

export class PushRejectedError extends Error {
  override name = 'PushRejectedError';
}

/**
 * git and git-lfs authenticate through a credential helper that reads the token from the environment (never argv),
 * rather than checkout's extra header, which makes git-lfs send two Authorization headers (research §5).
 */
function credentialArgs(token: string | undefined): string[] {
  if (!token) return [];
  return ['-c', 'credential.helper=', '-c', 'credential.helper=!f() { echo username=x-access-token; echo "password=$WORKSPACE_BACKUP_PUSH_TOKEN"; }; f'];
}

export async function pushBackup(git: Git, branch: string, token: string | undefined, remote = 'origin'): Promise<void> {
  const env = token ? { WORKSPACE_BACKUP_PUSH_TOKEN: token } : undefined;
  const creds = credentialArgs(token);
  // LFS objects before the refs that point at them: a reader of the remote never meets a pointer without its object.
  crashPoint('push.before-lfs');
  const lfs = await git.run([...creds, 'lfs', 'push', remote, `refs/heads/${branch}`], { allowFail: true, env });
  if (lfs.code !== 0) throw new GitError(`git lfs push to ${remote} failed: ${lfs.stderr.trim() || lfs.stdout.trim()}`);
  crashPoint('push.lfs-pushed');
  const pushed = await git.run([...creds, '-c', 'lfs.allowincompletepush=false', 'push', '--porcelain', remote, `refs/heads/${branch}:refs/heads/${branch}`], { allowFail: true, env });
  if (pushed.code === 0) {
    crashPoint('push.pushed');
    return;
  }
  const text = pushed.stderr + pushed.stdout;
  if (/\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref/i.test(text)) {
    throw new PushRejectedError(
      `another run pushed to ${branch} first; this run's commits were not pushed and will be redone by the next run (nothing on the remote was changed)`,
    );
  }
  throw new GitError(`git push to ${remote} failed: ${text.trim()}`);
}
