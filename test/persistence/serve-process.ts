/**
 * The built `risk-engine serve` as a child process for the persistence tests: started with the
 * environment a test gives, resolved once it listens, killed by `killServes` if a failed assertion
 * left it running. Also the admin token and REST call those tests share.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role } from '../../src/gateway/auth.js';
import { minter } from '../gateway/dev-keys.js';
import { Client, type Msg } from '../gateway/harness.js';

const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'risk-engine.js');

const keyDirs: string[] = [];
process.once('exit', () => {
  for (const d of keyDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh signing-key directory with one key: give it to serve as SIGNING_KEYS_DIR and to serveToken. */
export function testKeysDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'risk-serve-keys-'));
  keyDirs.push(d);
  minter(d);
  return d;
}

export interface ServeProcess {
  readonly port: number;
  readonly proc: ChildProcess;
  /** Exit code, or null when killed by a signal. */
  readonly exited: Promise<number | null>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
}

const spawned: ChildProcess[] = [];

/** Starts serve on a free port; `env` is laid over this process's environment (undefined deletes). */
export function startServe(env: Record<string, string | undefined>): Promise<ServeProcess> {
  const full: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', RISK_POOL_THREADS: '1', PERSISTENCE: 'durable' };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env: full });
    spawned.push(proc);
    let out = '';
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), proc, exited, output: () => out });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${String(code)} before listening:\n${out}`)));
  });
}

/** SIGKILLs every serve a test started and that still runs. */
export function killServes(): void {
  for (const p of spawned.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** An access token signed with the keys of `keysDir` (testKeysDir), each role granted on `portfolios`. */
export function serveToken(keysDir: string, sub: string, roles: Role[], portfolios: string[] = ['*']): Promise<string> {
  return minter(keysDir)(sub, roles, portfolios);
}

/** GET /health, which needs an admin token. */
export async function health(port: number, keysDir: string): Promise<Msg> {
  const r = await fetch(`http://127.0.0.1:${port}/health`, { headers: { authorization: `Bearer ${await serveToken(keysDir, 'ops', ['admin'])}` } });
  if (r.status !== 200) throw new Error(`GET /health: ${r.status}`);
  return (await r.json()) as Msg;
}

export async function rest(port: number, auth: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Msg }> {
  const r = await fetch(`http://127.0.0.1:${port}${url}`, {
    method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Msg };
}

export interface TradingSession {
  readonly feed: Client;
  readonly trader: Client;
  /** A market buy of 100 AAA in the session's portfolio (10,000 of notional at 100). */
  order(clientOrderId: string): Msg;
  close(): Promise<void>;
}

/** A portfolio with cash on a running serve, and a feed and a trader logged in over websockets. */
export async function tradingSession(engine: ServeProcess, keysDir: string, portfolioId: string): Promise<TradingSession> {
  const admin = await serveToken(keysDir, 'admin-1', ['admin']);
  const created = await rest(engine.port, admin, 'POST', '/portfolios', { portfolioId, cash: 10_000_000 });
  if (created.status !== 201) throw new Error(`POST /portfolios: ${created.status} ${JSON.stringify(created.json)}`);
  const feed = await Client.login(`ws://127.0.0.1:${engine.port}/ws`, await serveToken(keysDir, 'feed-1', ['feed']));
  const trader = await Client.login(`ws://127.0.0.1:${engine.port}/ws`, await serveToken(keysDir, 'trader-1', ['trader']));
  return {
    feed,
    trader,
    order: (clientOrderId) => ({ type: 'order', portfolioId, clientOrderId, instrument: 'AAA', side: 'buy', qty: 100, orderType: 'market' }),
    close: async () => {
      await Promise.all([feed.close(), trader.close()]).catch(() => {});
    },
  };
}
