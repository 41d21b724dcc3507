// Local GitHub Actions artifact service (Twirp ArtifactService v4+ over azurite) for running the real @actions/artifact in tests.

import { randomBytes, randomUUID } from 'node:crypto';
import { BlobSASPermissions, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type RunningAzurite } from '../cache/azurite.ts';
import { randomSecret, signJwt } from '../oidc/jwt.ts';
import { TwirpError, field, int64, startTwirpServer, str, wrapper, type Json, type TwirpCall, type TwirpMethod } from '../twirp.ts';

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

export type ArtifactCall = TwirpCall;

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
const CONTAINER = 'actions-results';
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

  const methods: Record<string, TwirpMethod> = {
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

  const server = await startTwirpServer({ service: ARTIFACT_SERVICE, token, methods, port: opts.port, release: () => azurite.close() });
  const url = server.url;

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
    calls: server.calls,
    close: server.close,
  };
}
