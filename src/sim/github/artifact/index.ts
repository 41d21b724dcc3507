// Local GitHub Actions artifact service (Twirp ArtifactService v4+ over azurite) for running the real @actions/artifact in tests.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobSASPermissions, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type RunningAzurite } from '../cache/azurite.ts';
import { randomSecret, signJwt } from '../oidc/jwt.ts';

export interface ArtifactServiceOptions {
  /** Port of the Twirp server (default: a free one). */
  port?: number;
  /** Workflow run backend id carried in the runtime token's `scp` claim (default: a random UUID). */
  runBackendId?: string;
  /** Workflow job run backend id carried in the runtime token (default: a random UUID). */
  jobBackendId?: string;
  /** Clock for created_at and expiry (default Date.now). */
  now?: () => number;
}

export interface ArtifactCall {
  method: string;
  request: unknown;
  status: number;
}

export interface ArtifactInfo {
  /** The database id: what uploadArtifact returns, ListArtifacts calls `database_id`, and Pages deployments take as `artifact_id`. */
  id: number;
  name: string;
  size: number;
  /** `sha256:<hex>` as the client sent it at finalize, or null. */
  digest: string | null;
  mimeType: string;
  runBackendId: string;
  jobBackendId: string;
  /** RFC 3339. */
  createdAt: string;
  /** RFC 3339, or null when the upload asked for no retention limit. */
  expiresAt: string | null;
  /** Blob name in the azurite container. */
  blob: string;
}

export interface RunningArtifactService {
  /**
   * What a process needs so @actions/artifact talks to this service: ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN (a
   * JWT whose `scp` holds `Actions.Results:<run>:<job>`). Do NOT point GITHUB_SERVER_URL at localhost in that
   * process: the library would take it for GHES and refuse every call. Leave it unset or https://github.com.
   */
  env: { ACTIONS_RESULTS_URL: string; ACTIONS_RUNTIME_TOKEN: string };
  /** http://127.0.0.1:<port>/ */
  url: string;
  runBackendId: string;
  jobBackendId: string;
  /** Finalized, unexpired, undeleted artifacts, oldest first. */
  artifacts(): ArtifactInfo[];
  /** One finalized artifact by database id (as a Pages deployment's artifact_id names it), or undefined. */
  artifact(id: number): ArtifactInfo | undefined;
  /** The stored bytes of an artifact (the zip the library uploaded, or the raw file with skipArchive). */
  content(id: number): Promise<Buffer>;
  /** Every Twirp call received: method name, request JSON, response status. */
  calls(): ArtifactCall[];
  close(): Promise<void>;
}

export const ARTIFACT_SERVICE = 'github.actions.results.api.v1.ArtifactService';
const PREFIX = `/twirp/${ARTIFACT_SERVICE}/`;
const CONTAINER = 'actions-results';
const MAX_BODY = 1024 * 1024;
/** The characters upload-artifact refuses in names (the service does the same). */
const BAD_NAME = /[":<>|*?\r\n\\/]/;

interface Artifact {
  id: number;
  name: string;
  runBackendId: string;
  jobBackendId: string;
  blob: string;
  mimeType: string;
  createdAt: number;
  expiresAt: number | null;
  size: number;
  digest: string | null;
  finalized: boolean;
}

class TwirpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, msg: string) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

type Json = Record<string, unknown>;

/** proto3 JSON accepts the proto (snake_case) name and the lowerCamelCase name. */
function field(body: Json, snake: string): unknown {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return body[snake] ?? body[camel];
}

function str(body: Json, name: string, required: boolean): string | undefined {
  const v = field(body, name);
  if (v === undefined || v === null || v === '') {
    if (required) throw new TwirpError(400, 'invalid_argument', `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new TwirpError(400, 'invalid_argument', `${name} must be a string`);
  return v;
}

/** A google.protobuf wrapper (StringValue, Int64Value) in JSON: the bare value, or {value} from lenient writers. */
function wrapper(body: Json, name: string): string | undefined {
  let v = field(body, name);
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new TwirpError(400, 'invalid_argument', `${name} must be a scalar`);
}

function int64(body: Json, name: string): number | undefined {
  const v = field(body, name);
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new TwirpError(400, 'invalid_argument', `${name} must be a non-negative integer`);
  return n;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** A runtime token as the runner hands it to a job: a JWT whose `scp` names the run and job backend ids. */
export function runtimeTokenFor(runBackendId: string, jobBackendId: string, secret: Buffer = randomSecret()): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
      ac: JSON.stringify([{ Scope: '', Permission: 3 }]),
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'vso:local-simulator',
      nbf: now - 5,
      exp: now + 6 * 3600,
      jti: randomBytes(8).toString('hex'),
    },
    secret,
  );
}

export async function startArtifactService(opts: ArtifactServiceOptions = {}): Promise<RunningArtifactService> {
  const runBackendId = opts.runBackendId ?? randomUUID();
  const jobBackendId = opts.jobBackendId ?? randomUUID();
  const token = runtimeTokenFor(runBackendId, jobBackendId);
  const now = opts.now ?? Date.now;
  const azurite: RunningAzurite = await startAzurite(CONTAINER);
  const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);

  const all: Artifact[] = [];
  const calls: ArtifactCall[] = [];
  let nextId = 1;

  const live = (a: Artifact): boolean => a.finalized && (a.expiresAt === null || a.expiresAt > now());

  const checkIds = (body: Json): { run: string; job: string } => {
    const run = str(body, 'workflow_run_backend_id', true) as string;
    const job = str(body, 'workflow_job_run_backend_id', true) as string;
    // The token names the run; a request for another run is refused (GitHub scopes artifacts to the run).
    if (run !== runBackendId) throw new TwirpError(403, 'permission_denied', 'the runtime token does not grant access to this workflow run');
    return { run, job };
  };

  /** A read SAS URL; non-zip artifacts get a Content-Disposition so the client keeps the file name. */
  const downloadUrl = (a: Artifact): string => {
    const zip = a.mimeType === 'application/zip';
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName: a.blob,
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3600 * 1000),
        protocol: SASProtocol.HttpsAndHttp,
        ...(!zip && { contentDisposition: `attachment; filename="${a.name.replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(a.name)}` }),
      },
      credential,
    ).toString();
    return `${azurite.blobEndpoint}/${CONTAINER}/${encodeURIComponent(a.blob)}?${sas}`;
  };

  const render = (a: Artifact): Json => ({
    workflow_run_backend_id: a.runBackendId,
    workflow_job_run_backend_id: a.jobBackendId,
    database_id: String(a.id),
    name: a.name,
    size: String(a.size),
    created_at: rfc3339(a.createdAt),
    ...(a.digest !== null && { digest: a.digest }),
  });

  const methods: Record<string, (body: Json) => Promise<Json>> = {
    async CreateArtifact(body) {
      const { run, job } = checkIds(body);
      const name = str(body, 'name', true) as string;
      if (BAD_NAME.test(name)) throw new TwirpError(400, 'invalid_argument', `the artifact name ${JSON.stringify(name)} contains a character that is not allowed`);
      const version = int64(body, 'version') ?? 0;
      if (version < 4) throw new TwirpError(400, 'invalid_argument', `artifact version ${version} is not supported by this service (v4 and later only)`);
      const expiresRaw = field(body, 'expires_at');
      let expiresAt: number | null = null;
      if (expiresRaw !== undefined && expiresRaw !== null) {
        expiresAt = typeof expiresRaw === 'string' ? Date.parse(expiresRaw) : NaN;
        if (Number.isNaN(expiresAt)) throw new TwirpError(400, 'invalid_argument', 'expires_at must be an RFC 3339 timestamp');
      }
      const existing = all.find((a) => a.runBackendId === run && a.name === name && live(a));
      if (existing) throw new TwirpError(409, 'already_exists', `an artifact with this name already exists on the workflow run`);
      // An unfinished upload of the same name is abandoned and replaced.
      for (let i = all.length - 1; i >= 0; i--) {
        const a = all[i]!;
        if (a.runBackendId === run && a.name === name && !a.finalized) all.splice(i, 1);
      }
      const mimeType = wrapper(body, 'mime_type') ?? 'application/zip';
      const id = nextId++;
      const blob = `${run}-${id}`;
      all.push({ id, name, runBackendId: run, jobBackendId: job, blob, mimeType, createdAt: now(), expiresAt, size: 0, digest: null, finalized: false });
      return { ok: true, signed_upload_url: azurite.sasUrl(blob, 'cw') };
    },

    async FinalizeArtifact(body) {
      const { run } = checkIds(body);
      const name = str(body, 'name', true) as string;
      const declared = int64(body, 'size') ?? 0;
      const hash = wrapper(body, 'hash');
      const a = all.find((x) => x.runBackendId === run && x.name === name && !x.finalized);
      if (!a) throw new TwirpError(404, 'not_found', `no artifact upload named ${JSON.stringify(name)} is in progress on this workflow run`);
      let actual: number;
      try {
        const props = await azurite.container.getBlobClient(a.blob).getProperties();
        actual = props.contentLength ?? 0;
      } catch {
        throw new TwirpError(412, 'failed_precondition', 'the artifact has not been uploaded');
      }
      if (declared !== actual) throw new TwirpError(400, 'invalid_argument', `size ${declared} does not match the uploaded size ${actual}`);
      a.size = actual;
      a.digest = hash ?? null;
      a.finalized = true;
      return { ok: true, artifact_id: String(a.id) };
    },

    async ListArtifacts(body) {
      const { run } = checkIds(body);
      const nameFilter = wrapper(body, 'name_filter');
      const idFilter = wrapper(body, 'id_filter');
      const found = all
        .filter(live)
        .filter((a) => a.runBackendId === run)
        .filter((a) => nameFilter === undefined || a.name === nameFilter)
        .filter((a) => idFilter === undefined || String(a.id) === idFilter);
      return { artifacts: found.map(render) };
    },

    async GetSignedArtifactURL(body) {
      const { run } = checkIds(body);
      const name = str(body, 'name', true) as string;
      const a = all.find((x) => x.runBackendId === run && x.name === name && live(x));
      if (!a) throw new TwirpError(404, 'not_found', `artifact ${JSON.stringify(name)} not found`);
      return { signed_url: downloadUrl(a) };
    },

    async DeleteArtifact(body) {
      const { run } = checkIds(body);
      const name = str(body, 'name', true) as string;
      const i = all.findIndex((x) => x.runBackendId === run && x.name === name && live(x));
      if (i < 0) throw new TwirpError(404, 'not_found', `artifact ${JSON.stringify(name)} not found`);
      const [a] = all.splice(i, 1);
      await azurite.container.deleteBlob(a!.blob).catch(() => undefined);
      return { ok: true, artifact_id: String(a!.id) };
    },
  };

  const send = (res: ServerResponse, status: number, body: Json): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path;
    let request: unknown = undefined;
    let status = 500;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY) throw new TwirpError(400, 'malformed', 'request body too large');
        chunks.push(chunk);
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      request = raw;
      if (!path.startsWith(PREFIX)) throw new TwirpError(404, 'bad_route', `no handler for path "${path}"`);
      if (req.method !== 'POST') throw new TwirpError(404, 'bad_route', `unsupported method "${req.method}" (only POST is allowed)`);
      if ((req.headers.authorization ?? '') !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'invalid or missing runtime token');
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!handler) throw new TwirpError(404, 'bad_route', `no handler for path "${path}"`);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType !== 'application/json') throw new TwirpError(404, 'bad_route', `unexpected Content-Type: "${contentType}" (this service only speaks JSON)`);
      let body: unknown;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        throw new TwirpError(400, 'malformed', 'the request could not be decoded: invalid JSON');
      }
      request = body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TwirpError(400, 'malformed', 'the request could not be decoded: not a JSON object');
      const out = await handler(body as Json);
      status = 200;
      send(res, status, out);
    } catch (err) {
      const e = err instanceof TwirpError ? err : new TwirpError(500, 'internal', err instanceof Error ? err.message : String(err));
      status = e.status;
      if (!res.headersSent) send(res, status, { code: e.code, msg: e.message });
      else res.destroy();
    } finally {
      calls.push({ method, request, status });
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await azurite.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  const info = (a: Artifact): ArtifactInfo => ({
    id: a.id,
    name: a.name,
    size: a.size,
    digest: a.digest,
    mimeType: a.mimeType,
    runBackendId: a.runBackendId,
    jobBackendId: a.jobBackendId,
    createdAt: rfc3339(a.createdAt),
    expiresAt: a.expiresAt === null ? null : rfc3339(a.expiresAt),
    blob: a.blob,
  });

  let closed: Promise<void> | undefined;
  return {
    url,
    env: { ACTIONS_RESULTS_URL: url, ACTIONS_RUNTIME_TOKEN: token },
    runBackendId,
    jobBackendId,
    artifacts: () => all.filter(live).map(info),
    artifact(id) {
      const a = all.find((x) => x.id === id && live(x));
      return a ? info(a) : undefined;
    },
    async content(id) {
      const a = all.find((x) => x.id === id && live(x));
      if (!a) throw new Error(`no artifact ${id}`);
      return azurite.container.getBlobClient(a.blob).downloadToBuffer();
    },
    calls: () => calls.map((c) => ({ ...c })),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await azurite.close();
      })();
      return closed;
    },
  };
}
