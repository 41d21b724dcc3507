// Runs azurite-blob (the Azure Storage emulator) as a child process and signs SAS URLs for its blobs.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';

/** The emulator's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  port: number;
  container: ContainerClient;
  /** A SAS URL for one blob of the container: `cw` to upload, `r` to download. */
  sasUrl(blobName: string, permissions: 'cw' | 'r', ttlSeconds?: number): string;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every azurite still running when this process exits (normal exit or process.exit). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

function azuriteBlobEntry(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('azurite/package.json');
  const pkg = require(pkgPath) as { bin?: Record<string, string> };
  const rel = pkg.bin?.['azurite-blob'] ?? './dist/src/blob/main.js';
  return join(dirname(pkgPath), rel);
}

/**
 * Preloaded into the azurite process: exit when our stdin pipe closes, so azurite dies with its
 * parent even when the parent is killed with SIGKILL and never runs its exit hooks.
 */
const WATCHDOG = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0)).on("error",()=>process.exit(0)).resume();';

const LISTENING = /successfully listens on https?:\/\/[^\s:]+:(\d+)/;

export async function startAzurite(containerName: string, startTimeoutMs = 30_000): Promise<RunningAzurite> {
  installExitHook();
  // --inMemoryPersistence refuses --location, so azurite's workspace is its cwd: a fresh temp dir.
  const workdir = await mkdtemp(join(tmpdir(), 'azurite-'));
  const args = [
    '--import',
    WATCHDOG,
    azuriteBlobEntry(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--inMemoryPersistence',
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
  ];
  // process.execPath: azurite needs Node >= 22; the system node may be older.
  const child = spawn(process.execPath, args, { cwd: workdir, stdio: ['pipe', 'pipe', 'pipe'], env: stripAzuriteEnv(process.env) });
  live.add(child);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });

  let output = '';
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`azurite did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const m = LISTENING.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`azurite exited early (code ${code}, signal ${signal}):\n${output}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exitedPromise;
    await rm(workdir, { recursive: true, force: true });
    throw err;
  }
  // Keep draining its output so a chatty azurite never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  const service = new BlobServiceClient(blobEndpoint, credential);
  const container = service.getContainerClient(containerName);

  const close = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 3000);
      await exitedPromise;
      clearTimeout(timer);
    }
    await rm(workdir, { recursive: true, force: true });
  };

  try {
    // Creating the container is also the "does it answer" check; retry briefly in case the socket is not ready yet.
    await retry(() => container.createIfNotExists(), 20, 100);
  } catch (err) {
    await close();
    throw err;
  }

  const sasUrl = (blobName: string, permissions: 'cw' | 'r', ttlSeconds = 3600): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + ttlSeconds * 1000),
        protocol: SASProtocol.HttpsAndHttp,
      },
      credential,
    ).toString();
    return `${blobEndpoint}/${encodeURIComponent(containerName)}/${encodeURIComponent(blobName)}?${sas}`;
  };

  return { blobEndpoint, port, container, sasUrl, close };
}

/** AZURITE_DB would switch azurite to SQL metadata, which refuses --inMemoryPersistence. */
function stripAzuriteEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  delete out.AZURITE_DB;
  delete out.NODE_OPTIONS;
  return out;
}

async function retry<T>(fn: () => Promise<T>, attempts: number, delayMs: number): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw last;
}
