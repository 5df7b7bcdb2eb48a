/**
 * Encryption in transit as an operator runs it: the built `risk-engine serve` terminating TLS with a
 * certificate made at test time (test/tls-fixture.ts), HTTPS and wss:// on one port, clients that
 * trust it through `ca`, and `risk-engine watch --ca`; production refusing plaintext unless a
 * TLS-terminating proxy is declared.
 */
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minter } from '../gateway/dev-keys.js';
import { connectNode } from '../../src/client/node.js';
import { newTarget } from '../persistence/pg-fixture.js';
import { makeTestCert, type TestCert } from '../tls-fixture.js';
import { type CliRun, runBinIn } from './run-cli.js';

const run = (cwd: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<CliRun> => runBinIn(cwd, env, argv, timeoutMs === undefined ? {} : { timeoutMs });
import { type Server, serve } from './serve-child.js';

const HSTS = 'max-age=31536000; includeSubDomains';
const KEYS = mkdtempSync(path.join(tmpdir(), 'risk-tls-keys-'));
const mint = minter(KEYS);
const token = (sub: string, roles: ('admin' | 'feed' | 'trader' | 'risk_manager')[]): Promise<string> => mint(sub, roles, ['*']);

const folders: string[] = [KEYS];
function folder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'risk-tls-'));
  folders.push(d);
  return d;
}

/** The environment of an operator: this test's signing keys, no inherited listener or TLS settings. */
function envWith(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', SIGNING_KEYS_DIR: KEYS, RISK_POOL_THREADS: '1' };
  for (const k of ['PORT', 'HOST', 'DATA_DIR', 'RISK_ENGINE_JWT_ISSUER', 'RISK_ENGINE_JWT_AUDIENCE', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_KEY_PASSPHRASE', 'TLS_TERMINATED_BY_PROXY', 'NODE_EXTRA_CA_CERTS']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

interface HttpsAnswer { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly json: Record<string, unknown> }

/** One HTTPS request trusting `ca` (fetch in Node 20 cannot be given a CA). */
function https(url: string, ca: Buffer | undefined, opts: { method?: string; auth?: string; body?: unknown } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = httpsRequest(url, {
      method: opts.method ?? 'GET',
      ...(ca ? { ca } : {}),
      headers: { ...(opts.auth ? { authorization: `Bearer ${opts.auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A bare TLS handshake: the protocol and suite negotiated, or the error code. */
function handshake(port: number, opts: ConnectionOptions): Promise<{ ok: true; protocol: string; cipher: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...opts }, () => {
      resolve({ ok: true, protocol: s.getProtocol() ?? '', cipher: s.getCipher().name });
      s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? e.message }));
  });
}

let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert();
});
afterAll(() => {
  cert?.cleanup();
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

describe('serve with TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let home: string;
  let tlsEnv: NodeJS.ProcessEnv;
  let server: Server;
  beforeAll(async () => {
    home = folder();
    tlsEnv = envWith({ PERSISTENCE: 'memory', TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.encryptedKeyFile, TLS_KEY_PASSPHRASE: cert.passphrase });
    server = await serve(home, tlsEnv, ['--demo', '--portfolios', '2', '--underlyings', '2', '--tick-rate', '50']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('announces https:// and wss:// in its listening line', () => {
    expect(server.line).toMatch(new RegExp(`^risk-engine listening on https://127\\.0\\.0\\.1:${server.port} \\(websocket wss://127\\.0\\.0\\.1:${server.port}/ws, uWS native\\)`));
  });

  it('answers GET /health over HTTPS to a client that trusts its certificate, and only to one', async () => {
    const h = await https(`https://localhost:${server.port}/health`, cert.ca, { auth: await token('admin-0', ['admin']) });
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ status: 'ok', uws: 'native' });
    expect(h.headers['strict-transport-security']).toBe(HSTS);
    await expect(https(`https://127.0.0.1:${server.port}/livez`, undefined)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('sends Strict-Transport-Security on every answer: REST, 404s and a refused websocket upgrade', async () => {
    const unauthenticated = await https(`https://127.0.0.1:${server.port}/trades`, cert.ca);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['strict-transport-security']).toBe(HSTS);
    const missing = await https(`https://127.0.0.1:${server.port}/no-such-route`, cert.ca);
    expect(missing.status).toBe(404);
    expect(missing.headers['strict-transport-security']).toBe(HSTS);
    const ok = await https(`https://127.0.0.1:${server.port}/trades`, cert.ca, { auth: await token('admin-2', ['admin']) });
    expect(ok.status).toBe(200);
    expect(ok.headers['strict-transport-security']).toBe(HSTS);
    const refused = await new Promise<{ status: number; hsts: unknown }>((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, { ca: cert.ca, headers: { authorization: 'Bearer not-a-token' } });
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] }));
      ws.once('open', () => reject(new Error('the upgrade with a bad token was accepted')));
      ws.once('error', reject);
    });
    expect(refused).toEqual({ status: 401, hsts: HSTS });
  });

  it('authenticates and trades over wss://', async () => {
    const admin = await token('admin-1', ['admin']);
    const created = await https(`https://127.0.0.1:${server.port}/portfolios`, cert.ca, { method: 'POST', auth: admin, body: { portfolioId: 'TLS1', cash: 10_000_000 } });
    expect(created.status).toBe(201);
    const url = `wss://127.0.0.1:${server.port}/ws`;
    // The typed client (src/client) over wss://, trusting only the engine's certificate.
    const feed = await connectNode({ url, ca: cert.ca, credentials: { token: await token('feed-1', ['feed']) } });
    const trader = await connectNode({ url, ca: cert.ca, credentials: { token: await token('trader-1', ['trader']) } });
    try {
      // The trader sees the tick on the market channel, so the engine has the price before the order.
      const ticked = new Promise<unknown>((resolve) => trader.on('tick', (t) => t.symbol === 'AAA' && resolve(t)));
      const filled = new Promise<unknown>((resolve) => trader.on('fill', resolve));
      expect(await trader.subscribe('market', { symbol: 'AAA' })).toMatchObject({ type: 'subscribed' });
      feed.tick({ symbol: 'AAA', price: 100, ts: Date.now() });
      expect(await ticked).toMatchObject({ price: 100 });
      const ack = await trader.submitOrder({ portfolioId: 'TLS1', clientOrderId: 'tls-1', instrument: 'AAA', side: 'buy', qty: 100, orderType: 'market' });
      expect(ack).toMatchObject({ type: 'ack', status: expect.any(String) });
      expect(await filled).toMatchObject({ type: 'fill', portfolioId: 'TLS1', qty: 100, price: 100 });
    } finally {
      await Promise.all([feed.close(), trader.close()]);
    }
  });

  it('refuses plain HTTP and ws:// on its port', async () => {
    await expect(fetch(`http://127.0.0.1:${server.port}/livez`, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
    const plain = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const outcome = await new Promise<string>((resolve) => {
      plain.once('open', () => resolve('open'));
      plain.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
    });
    expect(outcome).toMatch(/^error /);
  });

  it('refuses TLS 1.0, TLS 1.1 and non-AEAD TLS 1.2 suites, and negotiates TLS 1.2 and 1.3', async () => {
    // SECLEVEL=0 lets this client offer the old protocols and suites, so a refusal is the server's alert.
    const old = { ca: cert.ca, ciphers: 'DEFAULT:@SECLEVEL=0' };
    expect(await handshake(server.port, { ...old, minVersion: 'TLSv1', maxVersion: 'TLSv1' })).toEqual({ ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(await handshake(server.port, { ...old, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' })).toEqual({ ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(await handshake(server.port, { ca: cert.ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0' }))
      // OpenSSL 3.0 (Node 20) calls the alert SSLV3_ALERT_HANDSHAKE_FAILURE, OpenSSL 3.5 (Node 24) SSL/TLS_ALERT_HANDSHAKE_FAILURE.
      .toEqual({ ok: false, code: expect.stringMatching(/^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/) });
    expect(await handshake(server.port, { ca: cert.ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: expect.stringMatching(/GCM|CHACHA20/) });
    expect(await handshake(server.port, { ca: cert.ca, minVersion: 'TLSv1.3' })).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('shows a demo portfolio’s risk through watch --ca over wss://, by default on the configured port', async () => {
    const explicit = await run(home, ['watch', '--portfolio', 'demo-0001', '--url', `wss://localhost:${server.port}/ws`, '--ca', cert.certFile, '--once'], tlsEnv);
    expect(explicit.stderr).toBe('');
    expect(explicit.code).toBe(0);
    expect(explicit.stdout).toMatch(/^portfolio demo-0001 {3}seq \d+ {3}tick age /);
    // Without --url, watch connects to wss://HOST:PORT/ws because TLS_CERT_FILE is set.
    const byDefault = await run(home, ['watch', '--portfolio', 'demo-0000', '--ca', cert.certFile, '--once'], { ...tlsEnv, PORT: String(server.port) });
    expect(byDefault.stderr).toBe('');
    expect(byDefault.stdout).toMatch(/^portfolio demo-0000 {3}seq \d+/);
  });

  it('watch refuses the self-signed certificate without --ca and says how to trust it', async () => {
    const w = await run(home, ['watch', '--portfolio', 'demo-0001', '--url', `wss://127.0.0.1:${server.port}/ws`, '--once'], tlsEnv);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/cannot connect to wss:\/\/127\.0\.0\.1:\d+\/ws: DEPTH_ZERO_SELF_SIGNED_CERT \(the server's certificate is not trusted: give its CA with --ca FILE\)/);
    const plain = await run(home, ['watch', '--portfolio', 'p', '--url', `ws://127.0.0.1:${server.port}/ws`, '--ca', cert.certFile, '--once'], tlsEnv);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--ca goes with a wss:\/\/ URL/);
    const missing = await run(home, ['watch', '--portfolio', 'p', '--url', `wss://127.0.0.1:${server.port}/ws`, '--ca', path.join(home, 'no-ca.pem'), '--once'], tlsEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${path.join(home, 'no-ca.pem')}: cannot read the --ca file (ENOENT)`);
  });
});

describe('serve in production', () => {
  const prod = (extra: Record<string, string | undefined>): NodeJS.ProcessEnv => envWith({ NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', PERSISTENCE: 'durable', ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...extra });

  it('refuses to start in plaintext, naming the TLS variables and the proxy declaration', async () => {
    const r = await run(folder(), ['serve', '--port', '0'], prod({ DATABASE_URL: 'postgres://127.0.0.1:1/never-reached' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/TLS_CERT_FILE, TLS_KEY_FILE: required in production, where plaintext is refused; or set TLS_TERMINATED_BY_PROXY=true/);
  });

  it('starts in plaintext behind a declared TLS-terminating proxy', { timeout: 120_000 }, async () => {
    const db = newTarget('external');
    const s = await serve(db.dataDir, prod({ TLS_TERMINATED_BY_PROXY: 'true', DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, DATA_DIR: db.dataDir, REDIS_URL: undefined }));
    try {
      expect(s.line).toMatch(/^risk-engine listening on http:\/\/127\.0\.0\.1:\d+ \(websocket ws:\/\/127\.0\.0\.1:\d+\/ws/);
      const h = await fetch(`http://127.0.0.1:${s.port}/readyz`);
      expect(h.status).toBe(200);
      // Its clients reach it over HTTPS through the proxy, so the engine's answers carry HSTS too.
      expect(h.headers.get('strict-transport-security')).toBe(HSTS);
    } finally {
      expect(await s.stop()).toBe(0);
      await db.cleanup();
    }
  });
});
