import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError } from '@mcp-warden/core';
import { clientCertificateIdentity } from './client-certificate.js';
import type { HttpDenial, ResourceServer, WardenAuthInfo } from './resource-server.js';

/** A node:http request as Express and the SDK see it: `body` when a parser ran, `auth` once authenticated. */
export type AuthRequest = IncomingMessage & { body?: unknown; auth?: WardenAuthInfo };

/** Options of {@link nodeAuthMiddleware}. */
export interface NodeAuthMiddlewareOptions {
  /** Largest JSON body read when no body parser ran, bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Serve the RFC 9728 document at its well-known path. Default true. */
  readonly serveMetadata?: boolean;
}

function send(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: unknown,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

function sendDenial(res: ServerResponse, denial: HttpDenial): void {
  send(res, denial.status, denial.headers, denial.body);
}

async function readJsonBody(req: AuthRequest, maxBytes: number): Promise<unknown> {
  if (req.body !== undefined) return req.body;
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return undefined;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json')) return undefined;
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) throw new ValidationError('ERR_BODY_TOO_LARGE', 'request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ValidationError('ERR_BODY_TOO_LARGE', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    req.body = parsed;
    return parsed;
  } catch (cause) {
    throw new ValidationError('ERR_BODY_INVALID_JSON', 'request body is not valid JSON', { cause });
  }
}

/**
 * The request target as the client sent it. Express strips the mount path from `req.url` inside
 * `app.use('/mcp', …)` and keeps the original in `req.originalUrl`; DPoP's `htu` and the metadata path
 * are about the full path.
 */
function requestUrl(req: AuthRequest): string {
  const original = (req as { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' && original.length > 0 ? original : (req.url ?? '/');
}

/** The framework-free request view of a node:http request. */
function requestView(req: AuthRequest, body: unknown) {
  const certificate = clientCertificateIdentity(req.socket);
  // node:http keeps only the first of duplicated Authorization headers; count them from rawHeaders.
  const authorization: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') authorization.push(req.rawHeaders[i + 1]!);
  }
  return {
    method: req.method ?? 'GET',
    url: requestUrl(req),
    headers: {
      ...req.headers,
      authorization:
        authorization.length === 0
          ? undefined
          : authorization.length === 1
            ? authorization[0]
            : authorization,
    },
    body,
    ...(req.socket.remoteAddress === undefined ? {} : { remoteAddress: req.socket.remoteAddress }),
    ...(req.socket.localAddress === undefined ? {} : { localAddress: req.socket.localAddress }),
    ...(certificate === undefined ? {} : { clientCertificate: certificate }),
  };
}

/**
 * Authenticates a node:http request. On success sets `req.auth` (the SDK reads it as `authInfo`) and
 * returns it; otherwise it has answered (400/401/403/413 or the metadata document) and returns undefined.
 * When no body parser ran, a JSON body is read (bounded) and left in `req.body`: pass it on as
 * `transport.handleRequest(req, res, req.body)`.
 */
export async function authenticateNodeRequest(
  server: ResourceServer,
  req: AuthRequest,
  res: ServerResponse,
  options: NodeAuthMiddlewareOptions = {},
): Promise<WardenAuthInfo | undefined> {
  const path = requestUrl(req).split('?')[0];
  if ((options.serveMetadata ?? true) && path === server.metadataPath.split('?')[0] && req.method === 'GET') {
    send(
      res,
      200,
      { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
      server.metadata,
    );
    return undefined;
  }
  let body: unknown;
  try {
    body = await readJsonBody(req, options.maxBodyBytes ?? 1_048_576);
  } catch (error) {
    const code = (error as ValidationError).code;
    send(
      res,
      code === 'ERR_BODY_TOO_LARGE' ? 413 : 400,
      { 'content-type': 'application/json' },
      {
        jsonrpc: '2.0',
        error: { code: code === 'ERR_BODY_TOO_LARGE' ? -32600 : -32700, message: (error as Error).message },
        id: null,
      },
    );
    return undefined;
  }
  const result = await server.authenticate(requestView(req, body));
  if (!result.ok) {
    sendDenial(res, result);
    return undefined;
  }
  req.auth = result.authInfo;
  return result.authInfo;
}

/** Connect/Express-style middleware: `app.use(nodeAuthMiddleware(server))`. */
export function nodeAuthMiddleware(
  server: ResourceServer,
  options: NodeAuthMiddlewareOptions = {},
): (req: AuthRequest, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    authenticateNodeRequest(server, req, res, options).then(
      (authInfo) => {
        if (authInfo !== undefined) next();
      },
      (error: unknown) => {
        // Nothing above should throw; if it does, fail closed without leaking detail.
        send(res, 500, { 'content-type': 'application/json' }, { error: 'server_error' });
        void error;
      },
    );
  };
}
