/**
 * The built `risk-engine serve` on the embedded database, with no server at all: no TCP port but
 * its gateway is open (a local process cannot reach the database over 127.0.0.1), the database's
 * socket folder is 0700, and the engine, its queues (BullMQ on the same PGlite) and the CLI's
 * database commands work through that socket. The engine's own user can inspect it there too.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningTcpPorts } from './listening-ports.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { waitFor } from './queue-harness.js';
import { health as getHealth, killServes, type ServeProcess, startServe, tradingSession, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'risk-engine.js');

let t: DbTarget;
let engine: ServeProcess;
let socketDir: string;

function cli(env: Record<string, string>, ...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const full: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: t.dataDir, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env };
  delete full.DATABASE_URL;
  const r = spawnSync(process.execPath, [bin, ...argv], { env: full, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  t = newTarget('embedded');
  socketDir = path.join(t.dataDir, 'pg-socket');
  engine = await startServe({
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_SCHEMA: t.schema, DATABASE_URL: undefined, REDIS_URL: undefined,
    RISK_SNAPSHOT_MS: '200', MARKET_SNAPSHOT_MS: '200', AML_LARGE_NOTIONAL: '1000',
  });
}, 90_000);

afterAll(async () => {
  killServes(); // a failed test left it running
  await t?.cleanup();
});

describe('serve on the embedded database', () => {
  it('listens on no TCP port but its gateway, and serves the database in a folder only its user can enter', () => {
    expect(listeningTcpPorts(engine.proc.pid!)).toEqual([engine.port]);
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    expect(statSync(socketDir).uid).toBe(process.getuid!());
    expect(statSync(path.join(socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
  });

  it('acknowledges orders and runs its queues on the same database, which its user can inspect through the socket', { timeout: 60_000 }, async () => {
    const h = await getHealth(engine.port, KEYS);
    expect(h).toMatchObject({ status: 'ok', database: 'embedded', queues: 'postgres' });
    const s = await tradingSession(engine, KEYS, 'E1');
    const sql = new pg.Client({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres' });
    try {
      s.feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      expect((await s.trader.request(s.order('big'))).type).toBe('ack');
      const fill = await s.trader.next((m) => m.type === 'fill');
      await sql.connect();
      await sql.query(`SET search_path TO ${t.schema}`);
      const alerts = async () => (await sql.query('SELECT fill_id, rule FROM aml_alerts')).rows;
      await waitFor('the AML alert', async () => (await alerts()).length > 0, 30_000);
      expect(await alerts()).toEqual([{ fill_id: fill.fillId, rule: 'LARGE_NOTIONAL' }]);
      await waitFor('a risk snapshot', async () => (await sql.query("SELECT 1 FROM risk_snapshots WHERE portfolio_id = 'E1'")).rows.length > 0, 30_000);
    } finally {
      await sql.end().catch(() => {});
      await s.close();
    }
  });

  it('stops on SIGTERM and removes its socket', { timeout: 30_000 }, async () => {
    const socket = path.join(socketDir, '.s.PGSQL.5432');
    expect(existsSync(socket)).toBe(true);
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('lets the CLI database commands work on it afterwards, and refuses them in production unless the embedded database is allowed', { timeout: 90_000 }, async () => {
    expect(cli({}, 'migrate')).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^schema ${t.schema} \\(embedded\\) at version \\d+; applied now: none\\n$`)) });
    expect(cli({}, 'reconcile')).toMatchObject({ code: 0, stdout: expect.stringContaining('1 portfolios, 1 fills: positions and cash agree with the fills') });
    const prod = { NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', SIGNING_KEYS_DIR: KEYS, ENCRYPTION_KEY: randomBytes(32).toString('base64'), TLS_TERMINATED_BY_PROXY: 'true' };
    const refused = cli(prod, 'audit', 'verify');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/DATABASE_URL: required in production.*ALLOW_EMBEDDED_DATABASE=true/);
    expect(cli({ ...prod, ALLOW_EMBEDDED_DATABASE: 'true' }, 'audit', 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit trail intact: \d+ records in \d+ chains?\n$/) });
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
  });
});
