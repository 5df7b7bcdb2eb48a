/**
 * A file the gateway serves as it is, read once at start (the dashboard's built page and assets,
 * the API page and Swagger UI's files), and the one way it becomes an answer.
 */
import type { HttpResult } from './http-util.js';

export interface StaticFile {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly cacheControl: string;
  /** A strong validator of the bytes, for If-None-Match; absent, the file is always sent. */
  readonly etag?: string;
}

/**
 * The answer to a GET of `f`: its own caching (and a page's own CSP) in place of the API's, and a
 * 304 when `ifNoneMatch` names the file's current ETag.
 */
export function staticFileAnswer(f: StaticFile, o: { readonly csp?: string; readonly ifNoneMatch?: string } = {}): HttpResult {
  const headers: [string, string][] = [];
  if (f.etag !== undefined) headers.push(['etag', f.etag]);
  headers.push(['cache-control', f.cacheControl]);
  if (o.csp !== undefined) headers.push(['content-security-policy', o.csp]);
  if (f.etag !== undefined && o.ifNoneMatch !== undefined && o.ifNoneMatch.split(',').some((t) => t.trim() === f.etag)) return { status: 304, headers };
  return { status: 200, headers, raw: { contentType: f.contentType, bytes: f.bytes } };
}
