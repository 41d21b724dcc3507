// Twirp (JSON only) plumbing shared by the local GitHub results services (cache, artifact): errors, proto3 JSON field
// helpers, and a server that checks route, method, bearer token and content type, decodes the body and logs each call.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Twirp error: HTTP status plus the JSON body `{code, msg}`. */
export class TwirpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, msg: string) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

export type Json = Record<string, unknown>;

/** proto3 JSON accepts the proto (snake_case) name and the lowerCamelCase name. */
export function field(body: Json, snake: string): unknown {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return body[snake] ?? body[camel];
}

export function str(body: Json, name: string, required: boolean): string | undefined {
  const v = field(body, name);
  if (v === undefined || v === null || v === '') {
    if (required) throw new TwirpError(400, 'invalid_argument', `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new TwirpError(400, 'invalid_argument', `${name} must be a string`);
  return v;
}

/** A google.protobuf wrapper (StringValue, Int64Value) in JSON: the bare value, or {value} from lenient writers. */
export function wrapper(body: Json, name: string): string | undefined {
  let v = field(body, name);
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new TwirpError(400, 'invalid_argument', `${name} must be a scalar`);
}

/** A non-negative int64 (JSON string or number), or undefined when absent. */
export function int64(body: Json, name: string): number | undefined {
  const v = field(body, name);
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new TwirpError(400, 'invalid_argument', `${name} must be a non-negative integer`);
  return n;
}

export interface TwirpCall {
  method: string;
  request: unknown;
  status: number;
}

export type TwirpMethod = (body: Json, req: IncomingMessage) => Promise<Json>;

export interface TwirpServerOptions {
  /** Fully qualified service name: requests go to /twirp/<service>/<Method>. */
  service: string;
  /** The token every request must carry as `Authorization: Bearer`. */
  token: string;
  methods: Record<string, TwirpMethod>;
  /** Port to listen on, on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Releases what the service holds besides the server: run after close(), and if listening fails. */
  release?: () => Promise<void>;
}

export interface TwirpServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** Every call received: method name (or path off the service), request JSON (or raw text), response status. */
  calls(): TwirpCall[];
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startTwirpServer(opts: TwirpServerOptions): Promise<TwirpServer> {
  const prefix = `/twirp/${opts.service}/`;
  const { token, methods } = opts;
  const calls: TwirpCall[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = path.startsWith(prefix) ? path.slice(prefix.length) : path;
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
      if (!path.startsWith(prefix)) throw new TwirpError(404, 'bad_route', `no handler for path "${path}"`);
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
      const out = await handler(body as Json, req);
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
    await opts.release?.();
    throw err;
  }
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    calls: () => calls.map((c) => ({ ...c })),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await opts.release?.();
      })();
      return closed;
    },
  };
}
