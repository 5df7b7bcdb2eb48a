/**
 * uWS HTTP plumbing: read everything from the request synchronously (uWS invalidates `req` after
 * the handler returns), watch for aborts, read a bounded body, and answer JSON inside cork.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { type GatewayError, errors } from './errors.js';

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK', 201: '201 Created', 204: '204 No Content', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden',
  404: '404 Not Found', 405: '405 Method Not Allowed', 409: '409 Conflict', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type',
  422: '422 Unprocessable Entity', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export const fail = (status: number, e: GatewayError | { code: string; message: string }): HttpResult => ({ status, body: { code: e.code, message: e.message } });

/** What a handler may read of the request, copied out of uWS before any await. */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly authorization: string;
  readonly contentType: string;
  readonly contentLength: number | undefined;
}

export function readRequest(req: HttpRequest, paramCount: number): RequestInfo {
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) params.push(decodeURIComponent(req.getParameter(i) ?? ''));
  const cl = req.getHeader('content-length');
  return {
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    params,
    query: new URLSearchParams(req.getQuery() ?? ''),
    authorization: req.getHeader('authorization'),
    contentType: req.getHeader('content-type'),
    contentLength: cl === '' ? undefined : Number(cl),
  };
}

/** Tracks whether the client went away; uWS requires onAborted before answering asynchronously. */
export class Reply {
  aborted = false;
  done = false;
  constructor(readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  send(r: HttpResult, closeConnection = false): void {
    if (this.aborted || this.done) return;
    this.done = true;
    const status = STATUS_TEXT[r.status] ?? `${r.status} Unknown`;
    const body = r.body === undefined || r.status === 204 ? undefined : JSON.stringify(r.body);
    this.res.cork(() => {
      this.res.writeStatus(status);
      if (body !== undefined) this.res.writeHeader('content-type', 'application/json');
      this.res.end(body ?? '', closeConnection);
    });
  }
}

/**
 * Reads the body up to `limit` bytes. Over the limit it answers 413 itself, closes the
 * connection (the rest of the body is not read) and never calls `done`.
 */
export function readBody(reply: Reply, limit: number, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  reply.res.onData((ab, isLast) => {
    if (reply.done || reply.aborted) return;
    size += ab.byteLength;
    if (size > limit) {
      reply.send(fail(413, errors.payloadTooLarge(limit)), true);
      return;
    }
    // Copy: uWS neuters `ab` when this callback returns.
    chunks.push(Buffer.from(ab.slice(0)));
    if (isLast) done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
}

export function isJson(contentType: string): boolean {
  const base = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return base === 'application/json';
}
