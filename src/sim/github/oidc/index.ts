// Local stand-in for the Actions OIDC token endpoint that core.getIDToken() calls (what `id-token: write` unlocks).

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomSecret, signJwt, verifyJwt, type JwtClaims } from './jwt.ts';

export interface OidcServiceOptions {
  /** The bearer token the endpoint accepts (the runner uses the job's ACTIONS_RUNTIME_TOKEN). Default: random. */
  requestToken?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** `owner/repo` for the `sub`, `repository` and default `aud` claims. Default octo-org/backup. */
  repository?: string;
  /** Extra or overriding claims (`environment`, `ref`, `sha`...). */
  claims?: JwtClaims;
  /** Token lifetime in seconds, default 600. */
  ttlSeconds?: number;
}

export interface OidcRequest {
  /** The `audience` query parameter, or null when none was asked for. */
  audience: string | null;
  /** HTTP status answered. */
  status: number;
}

export interface RunningOidcService {
  /**
   * What a runner sets for a job with `permissions: id-token: write`: ACTIONS_ID_TOKEN_REQUEST_URL (already with a
   * `?`, since core appends `&audience=`) and ACTIONS_ID_TOKEN_REQUEST_TOKEN.
   */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** http://127.0.0.1:<port> */
  url: string;
  /** The claims of a token this service issued and that has not expired; undefined for anything else. */
  verify(token: string): JwtClaims | undefined;
  /** Every token request, oldest first. */
  requests(): OidcRequest[];
  /** Tokens issued so far. */
  issued(): string[];
  close(): Promise<void>;
}

const ISSUER = 'https://token.actions.githubusercontent.com';

export async function startOidcService(opts: OidcServiceOptions = {}): Promise<RunningOidcService> {
  const requestToken = opts.requestToken ?? randomBytes(24).toString('hex');
  const secret = randomSecret();
  const repository = opts.repository ?? 'octo-org/backup';
  const owner = repository.split('/')[0] ?? repository;
  const ttl = opts.ttlSeconds ?? 600;
  const plan = randomUUID();
  const job = randomUUID();
  const path = `/_apis/distributedtask/hubs/Actions/plans/${plan}/jobs/${job}/idtoken`;
  const requests: OidcRequest[] = [];
  const issued: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const audience = url.searchParams.get('audience');
    let status: number;
    if (req.method !== 'GET' || url.pathname !== path) {
      status = 404;
      send(res, status, { message: 'Not Found' });
    } else if ((req.headers.authorization ?? '') !== `Bearer ${requestToken}`) {
      status = 401;
      send(res, status, { message: 'Unauthorized: the request token is missing or wrong' });
    } else {
      const now = Math.floor(Date.now() / 1000);
      const claims: JwtClaims = {
        jti: randomUUID(),
        sub: `repo:${repository}:environment:github-pages`,
        aud: audience ?? `https://github.com/${owner}`,
        ref: 'refs/heads/main',
        repository,
        repository_owner: owner,
        environment: 'github-pages',
        event_name: 'schedule',
        runner_environment: 'github-hosted',
        iss: ISSUER,
        nbf: now - 5,
        iat: now,
        exp: now + ttl,
        ...opts.claims,
      };
      const token = signJwt(claims, secret);
      issued.push(token);
      status = 200;
      send(res, status, { count: 1, value: token });
    }
    requests.push({ audience, status });
  };

  const server = createServer((req, res) => {
    // Drain any body; the endpoint takes none.
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${url}${path}?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    url,
    verify: (token) => verifyJwt(token, secret),
    requests: () => requests.map((r) => ({ ...r })),
    issued: () => [...issued],
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
