// Runs git in the backup repository: one place that spawns git, so every call is logged and every failure explained.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../lib/log.ts';

export class GitError extends Error {
  override name = 'GitError';
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class Git {
  readonly dir: string;
  #log: Logger;
  #env: NodeJS.ProcessEnv;

  constructor(dir: string, logger: Logger = silentLogger) {
    this.dir = dir;
    this.#log = logger;
    // A fixed, quiet environment: no pager, no prompts, no user templates deciding what our commits look like.
    this.#env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
  }

  /** Runs git; throws GitError with git's own message unless `allowFail`. */
  async run(args: string[], opts: { input?: string | Buffer; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
    this.#log.debug(`git ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd: this.dir, env: { ...this.#env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => reject(new GitError(`could not run git (${e.message}): is git installed?`)));
      child.on('close', (code) => {
        const r = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? 1 };
        if (r.code !== 0 && !opts.allowFail) {
          reject(new GitError(`git ${args[0]} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`));
        } else {
          resolve(r);
        }
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    });
  }

  /** Spawns git with pipes for streaming use (fast-import, cat-file --batch). */
  spawn(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
    this.#log.debug(`git ${args.join(' ')}`);
    return spawn('git', args, { cwd: this.dir, env: { ...this.#env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  async isBare(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-bare-repository'])).stdout.trim() === 'true';
  }

  /** The commit a ref points to, or undefined when it does not exist yet. */
  async resolve(ref: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The .git directory (absolute). */
  async gitDir(): Promise<string> {
    return (await this.run(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  }

  /** Creates a repository with `branch` as its initial branch, unless one exists. */
  static async init(dir: string, branch: string, logger?: Logger): Promise<Git> {
    const git = new Git(dir, logger);
    if (!existsSync(join(dir, '.git')) && !existsSync(join(dir, 'HEAD'))) {
      await git.run(['init', '-q', '-b', branch]);
    }
    return git;
  }
}
