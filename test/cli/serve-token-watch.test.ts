/**
 * serve, token and watch as a user runs them: separate processes of the built bin/risk-engine.js
 * over loopback, each folder with its own development JWT key (DATA_DIR defaults to ./data).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runBinIn } from './run-cli.js';
import { type Server, serve as serveChild } from './serve-child.js';


/** The environment of a user in `cwd`: no JWT secret, so the folder's dev key file is used. */
function envFor(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'development' };
  for (const k of ['RISK_ENGINE_JWT_SECRET', 'DATA_DIR', 'PORT', 'HOST', 'RISK_ENGINE_JWT_ISSUER', 'RISK_ENGINE_JWT_AUDIENCE']) delete env[k];
  return env;
}

const run = (cwd: string, argv: string[], timeoutMs?: number): Promise<CliRun> => runBinIn(cwd, envFor(), argv, timeoutMs === undefined ? {} : { timeoutMs });

/** serve in `cwd` as a user runs it there. */
const serve = (cwd: string, argv: string[]): Promise<Server> => serveChild(cwd, envFor(), argv);

const folders: string[] = [];
function folder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'risk-cli-'));
  folders.push(d);
  return d;
}
afterAll(() => {
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

describe('token and serve from the same folder', () => {
  let home: string;
  let server: Server;
  beforeAll(async () => {
    home = folder();
    server = await serve(home, []);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints a JWT alone on stdout that the engine accepts on REST', async () => {
    const t = await run(home, ['token', '--sub', 'alice', '--roles', 'admin', '--portfolios', '*', '--ttl', '600']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const res = await fetch(`http://127.0.0.1:${server.port}/trades`, { headers: { authorization: `Bearer ${t.stdout.trim()}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ orders: [], fills: [] });
    // Plaintext without a declared TLS proxy (development): HSTS would be meaningless.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('refuses a token signed with another folder’s key, on REST and on the websocket', async () => {
    const other = folder();
    const t = await run(other, ['token', '--sub', 'mallory', '--roles', 'admin', '--portfolios', '*']);
    expect(t.code).toBe(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/trades`, { headers: { authorization: `Bearer ${t.stdout.trim()}` } });
    expect(res.status).toBe(401);
    const w = await run(other, ['watch', '--portfolio', 'p1', '--url', `ws://127.0.0.1:${server.port}/ws`, '--token', t.stdout.trim(), '--once']);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/UNAUTHENTICATED|refused/);
  });

  it('stops gracefully with exit 0 on SIGTERM', async () => {
    const s = await serve(folder(), []);
    expect(await s.stop()).toBe(0);
  });
});

describe('serve --demo streams risk', () => {
  it('shows a demo portfolio’s live risk through watch --once', async () => {
    const home = folder();
    const s = await serve(home, ['--demo', '--portfolios', '5', '--underlyings', '5', '--tick-rate', '100']);
    try {
      const w = await run(home, ['watch', '--portfolio', 'demo-0002', '--url', `ws://127.0.0.1:${s.port}/ws`, '--once']);
      expect(w.stderr).toBe('');
      expect(w.code).toBe(0);
      expect(w.stdout).toMatch(/^portfolio demo-0002 {3}seq \d+ {3}tick age /);
      expect(w.stdout).toMatch(/\nTOTAL +[-\d,.]+/);
      for (const label of ['P&L', 'VaR 1d', 'margin', 'leverage', 'breaches']) expect(w.stdout).toContain(label);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});

describe('command-line errors', () => {
  const cwd = tmpdir();
  it.each([
    [['serve', '--port', 'abc']],
    [['serve', '--bogus']],
    [['serve', '--tick-rate', '5']],
    [['token', '--sub', 'a', '--roles', 'wizard', '--portfolios', '*']],
    [['token', '--roles', 'trader', '--portfolios', '*']],
    [['token', '--sub', 'a', '--roles', 'trader', '--portfolios', '*', '--ttl', '-1']],
    [['watch']],
    [['watch', '--portfolio', 'p', '--url', 'http://127.0.0.1:1/']],
  ])('exits 2 with a usage message for %j', async (argv) => {
    const r = await run(cwd, argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^risk-engine ${argv[0]}: `));
  });

  it('serve exits 1 with LISTEN_FAILED and no stack when its port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await run(folder(), ['serve', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^risk-engine serve: LISTEN_FAILED: could not listen on 127\\.0\\.0\\.1:${port}`, 'm'));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('serve exits 1 with SANCTIONS_LIST_UNREADABLE and no stack when SANCTIONS_LIST_DIR holds no list', async () => {
    const home = folder();
    const r = await runBinIn(home, { ...envFor(), PERSISTENCE: 'memory', SANCTIONS_LIST_DIR: home }, ['serve', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^risk-engine serve: SANCTIONS_LIST_UNREADABLE: .*sdn\.csv/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('watch exits 1 with a clear message when nothing listens', async () => {
    const r = await run(folder(), ['watch', '--portfolio', 'p', '--url', 'ws://127.0.0.1:1/ws', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:1\/ws: ECONNREFUSED/);
  });
});
