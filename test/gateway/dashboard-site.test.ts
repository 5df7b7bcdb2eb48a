/**
 * The dashboard's files as the gateway serves them (a real uWS gateway on loopback over a built
 * folder made here): the page with its own Content-Security-Policy, hashed assets cached for good,
 * only the files of the allow-list read at start, and the page's websocket allowed from the
 * engine's own origin (a foreign origin still refused).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboardSite } from '../../src/gateway/dashboard-site.js';
import { type Stack, startStack } from './harness.js';

const JS = 'index-B3x_9aQ1.js';

/** A folder shaped like vite's output, plus files that must not be served. */
function builtFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'risk-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/dashboard/assets/index-B3x_9aQ1.js"></script>');
  writeFileSync(join(dir, 'assets', JS), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-Cc1.css'), 'body{}');
  writeFileSync(join(dir, 'assets', `${JS}.map`), '{}');
  writeFileSync(join(dir, 'secret.txt'), 'not for you');
  return dir;
}

/** Opens a websocket to `url` sending `origin`: the HTTP status it was refused with, or 101. */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

describe('the dashboard served by the gateway', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = builtFolder();
    stack = await startStack({ dashboard: loadDashboardSite(dir, { secureWebsocket: false }) });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page with a CSP that allows only its own files and this engine’s websocket, revalidated on every load', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await fetch(`${stack.http}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${stack.gateway.port}`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await res.text()).toContain('/dashboard/assets/');
    }
  });

  it('serves a hashed asset with its content type, cached for a year', async () => {
    const res = await fetch(`${stack.http}/dashboard/assets/${JS}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
    expect((await fetch(`${stack.http}/dashboard/assets/index-Cc1.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 to every name outside the allow-list: source maps, other files, traversal, files added after start', async () => {
    writeFileSync(join(dir, 'assets', 'late-Abc.js'), 'late');
    for (const path of [`/dashboard/assets/${JS}.map`, '/dashboard/assets/..%2Fsecret.txt', '/dashboard/assets/%2e%2e%2fsecret.txt', '/dashboard/assets/late-Abc.js', '/dashboard/secret.txt', '/dashboard/assets/']) {
      const res = await fetch(`${stack.http}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('lets the page open the websocket from the engine’s own origin, and still refuses a foreign one', async () => {
    const host = `127.0.0.1:${stack.gateway.port}`;
    expect(await upgradeStatus(stack.url, `http://${host}`)).toBe(101);
    expect(await upgradeStatus(stack.url, 'http://evil.example')).toBe(403);
    expect(await upgradeStatus(stack.url, `http://127.0.0.1:${stack.gateway.port + 1}`)).toBe(403);
  });
});

describe('the dashboard before it is built', () => {
  it('answers 503 UNAVAILABLE saying how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'risk-dashboard-'));
    const stack = await startStack({ dashboard: loadDashboardSite(empty, { secureWebsocket: false }) });
    try {
      const res = await fetch(`${stack.http}/dashboard`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('npm run build') });
    } finally {
      await stack.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('keeps refusing browser origins on an engine without the dashboard', async () => {
    const stack = await startStack();
    try {
      expect(await upgradeStatus(stack.url, `http://127.0.0.1:${stack.gateway.port}`)).toBe(403);
    } finally {
      await stack.close();
    }
  });
});
