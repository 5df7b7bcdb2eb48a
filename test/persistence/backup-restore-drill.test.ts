/**
 * The restore drill, on each database: an engine under load (ticks and orders over the websocket)
 * is backed up while it runs; the backup is restored into a fresh schema (server) or folder
 * (embedded); an engine starts on the copy and serves the portfolios; then `reconcile` and
 * `audit verify` pass on it, and its orders and fills are those acknowledged before the backup.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runBinIn, repoRoot } from '../cli/run-cli.js';
import { newTarget, SERVER_URL, type Backend } from './pg-fixture.js';
import { killServes, startServe, tradingSession, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
// The same master key for the engine backed up and the one restored: keys are not in backups.
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  killServes();
  for (const c of cleanups.reverse()) await c();
});

function envFor(t: { url: string | undefined; schema: string; dataDir: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: t.dataDir, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'silent', NODE_ENV: 'test', ENCRYPTION_KEY, SIGNING_KEYS_DIR: KEYS, PERSISTENCE: 'durable' };
  delete env.REDIS_URL;
  if (t.url === undefined) delete env.DATABASE_URL;
  else env.DATABASE_URL = t.url;
  return env;
}

const cli = (t: { url: string | undefined; schema: string; dataDir: string }, ...argv: string[]) => runBinIn(repoRoot, envFor(t), argv, { timeoutMs: 120_000 });

/** Rows of the engine's tables in a database reached by `connection` (schema `schema`). */
async function counts(connection: pg.ClientConfig, schema: string): Promise<{ portfolios: number; orders: number; fills: number; positions: number }> {
  const c = new pg.Client(connection);
  await c.connect();
  try {
    const n = async (table: string) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0]!.n);
    return { portfolios: await n('portfolios'), orders: await n('orders'), fills: await n('fills'), positions: await n('positions') };
  } finally {
    await c.end();
  }
}

describe.each<Backend>(['external', 'embedded'])('restore drill on the %s database', (backend) => {
  it('restores a backup taken under load into a fresh target, where the engine starts and reconcile and audit verify pass', { timeout: 300_000 }, async () => {
    const source = newTarget(backend);
    cleanups.push(() => source.cleanup());
    // A fresh schema of its own name on the same server, or a fresh folder.
    const restored = newTarget(backend);
    cleanups.push(() => restored.cleanup());
    const work = mkdtempSync(path.join(tmpdir(), 'risk-backup-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const file = path.join(work, 'drill.backup');

    const engine = await startServe({ ...envFor(source), LOG_LEVEL: 'warn' });
    const s = await tradingSession(engine, KEYS, 'DRILL');
    let acked = 0;
    try {
      // The price first (its ack), then the orders: sent on another connection, an order could
      // otherwise be handled before the tick and refused NO_MARKET.
      expect(await s.feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() })).toMatchObject({ type: 'ack' });
      for (let i = 0; i < 5; i++) {
        expect((await s.trader.request(s.order(`pre-${i}`))).type).toBe('ack');
        acked++;
      }
      // Load while the backup runs: ticks and orders keep coming until it has finished.
      let loading = true;
      const load = (async () => {
        let i = 0;
        while (loading) {
          s.feed.send({ type: 'tick', symbol: 'AAA', price: 100 + (i % 7), ts: Date.now() });
          const r = await s.trader.request(s.order(`load-${i++}`));
          if (r.type === 'ack') acked++;
        }
      })();
      const backup = await cli(source, 'backup', '--to', file);
      loading = false;
      await load;
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toContain(`schema ${source.schema} at migration`);
    } finally {
      await s.close();
      engine.proc.kill('SIGTERM');
      await engine.exited;
    }

    const restore = await cli(restored, 'restore', '--from', file);
    expect(restore.stderr).toContain('the backup holds no keys');
    expect(restore.code).toBe(0);
    // An embedded backup keeps its schema name: the engine on the copy is told it.
    const onCopy = backend === 'embedded' ? { ...restored, schema: source.schema } : restored;

    // A second restore into the same target is refused: nothing is overwritten silently.
    const again = await cli(restored, 'restore', '--from', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('BACKUP_TARGET_EXISTS');

    const copy = await startServe({ ...envFor(onCopy), LOG_LEVEL: 'warn' });
    try {
      const connection: pg.ClientConfig = backend === 'external'
        ? { connectionString: SERVER_URL }
        : { host: path.join(restored.dataDir, 'pg-socket'), port: 5432, user: 'postgres', database: 'postgres' };
      const n = await counts(connection, onCopy.schema);
      expect(n.portfolios).toBe(1);
      // At least the orders acknowledged before the backup began, at most all of them.
      expect(n.orders).toBeGreaterThanOrEqual(5);
      expect(n.orders).toBeLessThanOrEqual(acked);
      expect(n.fills).toBeGreaterThanOrEqual(5);
      expect(n.positions).toBeGreaterThanOrEqual(1);
      // Not even --force restores under a running engine: it would drop the tables it writes.
      const under = await cli(restored, 'restore', '--from', file, '--force');
      expect(under.code).toBe(1);
      expect(under.stderr).toContain('BACKUP_TARGET_IN_USE');
      expect((await counts(connection, onCopy.schema)).portfolios).toBe(1);
    } finally {
      copy.proc.kill('SIGTERM');
      expect(await copy.exited).toBe(0);
    }

    const reconcile = await cli(onCopy, 'reconcile');
    expect(reconcile.stdout).toContain('positions and cash agree with the fills');
    expect(reconcile.code).toBe(0);
    const audit = await cli(onCopy, 'audit', 'verify');
    expect(audit.stdout).toContain('audit trail intact');
    expect(audit.code).toBe(0);
  });
});
