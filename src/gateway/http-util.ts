/**
 * uWS HTTP plumbing: read everything from the request synchronously (uWS invalidates `req` after
 * the handler returns), watch for aborts, read a bounded body, and answer JSON inside cork with the
 * policy's headers, streaming a large answer as the socket drains (uWS onWritable) instead of
 * buffering all of it in uWS at once.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { type GatewayError, errors } from './errors.js';
import type { HttpPolicy } from './http-policy.js';

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  /**
   * Extra headers (Allow on a 405, CORS on a preflight). One named like a policy header replaces it
   * (the dashboard's page has its own Content-Security-Policy and Cache-Control); names lower-case.
   */
  readonly headers?: readonly (readonly [string, string])[];
  /** Bytes sent as they are with their own content type (a stored document), instead of a JSON `body`. */
  readonly raw?: { readonly contentType: string; readonly bytes: Uint8Array };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content', 304: '304 Not Modified', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden',
  404: '404 Not Found', 405: '405 Method Not Allowed', 409: '409 Conflict', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type',
  422: '422 Unprocessable Entity', 426: '426 Upgrade Required', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export const fail = (status: number, e: GatewayError | { code: string; message: string }): HttpResult => ({ status, body: { code: e.code, message: e.message } });

/** What a handler may read of the request, copied out of uWS before any await. */
export interface RequestInfo {
  readonly requestId: string;
  readonly method: string;
  readonly url: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly authorization: string;
  readonly contentType: string;
  readonly contentLength: number | undefined;
  readonly origin: string;
  /**
   * Scale-out: the engine that proxied this request to its portfolio's owner (x-cluster-forwarded,
   * cluster/rest-proxy.ts); a proxied request is never proxied again.
   */
  readonly forwardedBy?: string;
}

/** A path segment's percent-escapes decoded, or undefined when they are not valid UTF-8 escapes. */
export function decodePathSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined; // URIError: a malformed or overlong escape, or one that is not UTF-8
  }
}

/** The header a proxying engine sets (cluster/rest-proxy.ts). */
export const FORWARDED_HEADER = 'x-cluster-forwarded';
const forwarded = (v: string): { forwardedBy?: string } => (v === '' ? {} : { forwardedBy: v.slice(0, 128) });

/** Copies the request out of uWS; a path parameter that does not decode is the caller's 400. */
export function readRequest(req: HttpRequest, paramCount: number, requestId: string): RequestInfo | GatewayError {
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) {
    const raw = req.getParameter(i) ?? '';
    const decoded = decodePathSegment(raw);
    if (decoded === undefined) return errors.badPath(raw);
    params.push(decoded);
  }
  const cl = req.getHeader('content-length');
  return {
    requestId,
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    params,
    query: new URLSearchParams(req.getQuery() ?? ''),
    authorization: req.getHeader('authorization'),
    contentType: req.getHeader('content-type'),
    contentLength: cl === '' ? undefined : Number(cl),
    origin: req.getHeader('origin'),
    ...forwarded(req.getHeader(FORWARDED_HEADER)),
  };
}

/** Answers above this many bytes are streamed with tryEnd/onWritable. */
const STREAM_ABOVE_BYTES = 64 * 1024;

/** Tracks whether the client went away; uWS requires onAborted before answering asynchronously. */
export class Reply {
  aborted = false;
  done = false;
  /** Told once what was answered (undefined: the client went away first); a traced request's span ends here. */
  onFinished: ((status: number | undefined) => void) | undefined = undefined;
  /** `head`: the request was HEAD, whose answer has headers only (a body would be read as the next answer). */
  constructor(readonly res: HttpResponse, readonly requestId: string, private readonly policy: HttpPolicy, private readonly origin: string, private readonly head = false) {
    res.onAborted(() => {
      this.aborted = true;
      if (!this.done) this.onFinished?.(undefined);
    });
  }

  /**
   * Writes the answer. Error bodies carry the request id, as every answer's X-Request-Id does.
   * `closeConnection` ends the connection after it (a body was left unread).
   */
  send(r: HttpResult, closeConnection = false): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.onFinished?.(r.status);
    const status = STATUS_TEXT[r.status] ?? `${r.status} Unknown`;
    let body: Buffer | undefined;
    let contentType = 'application/json';
    if (r.raw !== undefined && r.status !== 204 && r.status !== 304) {
      body = Buffer.from(r.raw.bytes.buffer, r.raw.bytes.byteOffset, r.raw.bytes.byteLength);
      contentType = r.raw.contentType;
    } else if (r.body !== undefined && r.status !== 204) {
      const withId = r.status >= 400 && typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body) ? { ...r.body, requestId: this.requestId } : r.body;
      body = Buffer.from(JSON.stringify(withId));
    }
    const res = this.res;
    res.cork(() => {
      res.writeStatus(status);
      res.writeHeader('x-request-id', this.requestId);
      const own = r.headers;
      for (const [k, v] of this.policy.headers) if (own === undefined || !own.some(([n]) => n === k)) res.writeHeader(k, v);
      for (const [k, v] of this.policy.corsHeaders(this.origin)) res.writeHeader(k, v);
      for (const [k, v] of r.headers ?? []) res.writeHeader(k, v);
      if (body !== undefined) res.writeHeader('content-type', contentType);
      if (this.head) {
        // This uWS leaves the answer unfinished (the connection hangs) when endWithoutBody is given
        // a length other than 0, so the length the body would have had is written by hand.
        if (closeConnection) return void res.endWithoutBody(0, true);
        res.writeHeader('content-length', String(body?.length ?? 0));
        res.endWithoutBody();
        return;
      }
      if (body === undefined || body.length <= STREAM_ABOVE_BYTES || closeConnection) {
        res.end(body ?? '', closeConnection);
        return;
      }
      this.stream(body);
    });
  }

  /** Sends what the socket takes now and the rest on each uWS onWritable, so uWS never holds it all. */
  private stream(body: Buffer): void {
    const res = this.res;
    const total = body.length;
    const sentFrom = res.getWriteOffset();
    const [ok, finished] = res.tryEnd(body, total);
    if (ok || finished) return;
    res.onWritable((offset) => {
      if (this.aborted) return true;
      // A uWS callback like the handlers: a throw here must not reach the process. The status is
      // already sent, so the only honest answer left is to cut the connection.
      try {
        return res.tryEnd(body.subarray(offset - sentFrom), total)[0];
      } catch {
        this.aborted = true;
        try {
          res.close();
        } catch {
          // already gone
        }
        return true;
      }
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
