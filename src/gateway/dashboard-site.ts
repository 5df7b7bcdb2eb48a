/**
 * The dashboard's built files (vite's output, dist/dashboard: index.html and assets/<name>-<hash>.*),
 * read once at start into a fixed allow-list. A request names an entry of that list or gets 404: no
 * part of a URL ever becomes a filesystem path, so there is nothing to traverse.
 *
 * Headers: the page gets a Content-Security-Policy that lets it load only its own scripts and styles
 * and talk only to this engine (REST and the websocket), no inline script or style; the hashed assets
 * may be cached for a year (a new build has new names), the page itself is revalidated every time so
 * that it always names the current assets.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { StaticFile } from './static-file.js';


export interface DashboardSite {
  /** index.html, or undefined when the dashboard was not built (GET /dashboard answers 503 saying so). */
  readonly index: StaticFile | undefined;
  /** The file of `assets/<name>`, when `name` is in the allow-list. */
  asset(name: string): StaticFile | undefined;
  /** The page's Content-Security-Policy for a request that named `host` (its Host header). */
  pageCsp(host: string): string;
}

/** What the build emits that we serve; anything else in the folder (a source map, a stray file) is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
/** Names vite gives its output (`index-B3x_9aQ1.js`): no separators, no dot-dot. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:[.-][A-Za-z0-9_-]+)*\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the current hashed assets: a browser asks again each time (it is small). */
const REVALIDATE = 'no-cache';
/** A Host header we are willing to write into the policy: a name or address and a port, nothing else. */
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export interface DashboardSiteOptions {
  /** The websocket is wss:// (the engine or a declared proxy terminates TLS), else ws://. */
  readonly secureWebsocket: boolean;
}

/** Reads `dir` (dist/dashboard) once. A missing folder is a site without an index, not an error. */
export function loadDashboardSite(dir: string, o: DashboardSiteOptions): DashboardSite {
  const indexPath = join(dir, 'index.html');
  const index: StaticFile | undefined = existsSync(indexPath)
    ? { bytes: readFileSync(indexPath), contentType: 'text/html; charset=utf-8', cacheControl: REVALIDATE }
    : undefined;
  const assets = new Map<string, StaticFile>();
  const assetDir = join(dir, 'assets');
  if (index !== undefined && existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      const path = join(assetDir, name);
      if (contentType === undefined || !ASSET_NAME.test(name) || !statSync(path).isFile()) continue;
      assets.set(name, { bytes: readFileSync(path), contentType, cacheControl: IMMUTABLE });
    }
  }
  const scheme = o.secureWebsocket ? 'wss' : 'ws';
  return {
    index,
    asset: (name) => assets.get(name),
    pageCsp(host) {
      // 'self' covers the websocket in CSP Level 3 browsers; the explicit source is for the others.
      const ws = HOST_HEADER.test(host) ? ` ${scheme}://${host.toLowerCase()}` : '';
      return [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", `connect-src 'self'${ws}`,
        "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
      ].join('; ');
    },
  };
}
