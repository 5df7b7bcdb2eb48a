/**
 * GET /docs: Swagger UI on GET /openapi.json, served by the engine from the swagger-ui-dist npm
 * package (no CDN) and our own page and initializer (assets/api-docs). The files are a fixed
 * list, each registered as its own exact route and read once at start: no path from a request
 * ever reaches the file system, so there is nothing to traverse.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { HttpResult } from './http-util.js';
import { type StaticFile, staticFileAnswer } from './static-file.js';

/** One file of the page, ready to send. */
/** One of the page's files, at its own route. */
export interface ApiDocsFile extends StaticFile {
  readonly pattern: string;
  readonly summary: string;
  readonly etag: string;
}

/**
 * The page's Content-Security-Policy, replacing the API's `default-src 'none'`. Scripts and
 * stylesheets come from this origin only, and the page fetches only from it (the document, and
 * "Try it out"). No 'unsafe-inline' of any kind: Swagger UI 5 sets its inline styles through the
 * DOM (element.style), which CSP does not govern, and the browser test finds no violation with
 * operations, schemas and "Try it out" opened. One allowance: img-src data:, for the icons
 * swagger-ui.css draws as data: URIs.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/** Swagger UI's own files change only with the package: a day in a cache; ours revalidate each time. */
const VENDOR_CACHE = 'public, max-age=86400';
const OWN_CACHE = 'no-cache';

/** The folder of the installed swagger-ui-dist. */
function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

function file(pattern: string, summary: string, path: string, contentType: string, cacheControl: string): ApiDocsFile {
  const bytes = readFileSync(path);
  return { pattern, summary, contentType, bytes, cacheControl, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
}

/** Reads the page's files (throws naming the file when one is missing: a broken install). */
export function apiDocsFiles(): readonly ApiDocsFile[] {
  const own = join(packageRoot(), 'assets', 'api-docs');
  const ui = swaggerUiDir();
  return [
    file('/docs', 'The browsable API page (Swagger UI)', join(own, 'index.html'), 'text/html; charset=utf-8', OWN_CACHE),
    file('/docs/init.js', "The page's initializer", join(own, 'init.js'), 'text/javascript; charset=utf-8', OWN_CACHE),
    file('/docs/swagger-ui-bundle.js', 'Swagger UI (swagger-ui-dist)', join(ui, 'swagger-ui-bundle.js'), 'text/javascript; charset=utf-8', VENDOR_CACHE),
    file('/docs/swagger-ui.css', "Swagger UI's stylesheet (swagger-ui-dist)", join(ui, 'swagger-ui.css'), 'text/css; charset=utf-8', VENDOR_CACHE),
    file('/docs/favicon-32x32.png', "Swagger UI's icon (swagger-ui-dist)", join(ui, 'favicon-32x32.png'), 'image/png', VENDOR_CACHE),
  ];
}

/** The answer to a GET of `f` (the page with its own CSP): 304 when the client's copy is current. */
export function apiDocsAnswer(f: ApiDocsFile, ifNoneMatch: string): HttpResult {
  return staticFileAnswer(f, { ifNoneMatch, ...(f.contentType.startsWith('text/html') ? { csp: DOCS_PAGE_CSP } : {}) });
}
