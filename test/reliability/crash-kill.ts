// Runs a node program in its own process group with a crash point armed, and SIGKILLs the whole group when it gets there.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface KilledRun {
  /** The program printed CRASH-POINT and its process group was killed there. */
  reached: boolean;
  /** Exit code when it ended by itself (the point was never reached), else null. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Waits until no process of the group is left (a killed git may take a moment to go). */
async function groupGone(pgid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await sleep(10);
  }
  throw new Error(`process group ${pgid} is still alive after SIGKILL`);
}

/**
 * Spawns `node <args>` detached (a process group of its own, like a runner's job) with WORKSPACE_BACKUP_CRASH_AT set
 * when `crashAt` is given; on the line "CRASH-POINT …" on stderr, SIGKILLs the group: node and every git, git-lfs and
 * fast-import it started die at that instant.
 */
export function runUntilCrashPoint(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; crashAt?: string; timeoutMs?: number; marker?: string },
): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...opts.env, NODE_NO_WARNINGS: '1' };
    if (opts.crashAt) env.WORKSPACE_BACKUP_CRASH_AT = opts.crashAt;
    else delete env.WORKSPACE_BACKUP_CRASH_AT;
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = child.pid!;
    let stdout = '';
    let stderr = '';
    let reached = false;
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs ?? 600_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!reached && /^CRASH-POINT /m.test(stderr)) {
        reached = true;
        killGroup();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      groupGone(pgid).then(
        () => {
          // A point inside git (a hook, a filter) kills the group itself and leaves its CRASH-POINT line in the marker file.
          if (!reached && opts.marker && existsSync(opts.marker)) {
            reached = true;
            stderr += readFileSync(opts.marker, 'utf8');
          }
          resolve({ reached, code: reached || timedOut ? null : code, timedOut, stdout, stderr });
        },
        reject,
      );
    });
  });
}
