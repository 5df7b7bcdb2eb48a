/**
 * The LISTEN loop (pg-listen.ts) on this machine's PostgreSQL: its listening backend killed from
 * another connection (pg_terminate_backend), it listens again and its catch-up reads what was sent
 * while it was away; a database not there at start is waited for in the background; a failed
 * catch-up is retried on a new connection; close stops every retry. Then the AML alert relay, its
 * user that had no reconnect test, through the same kill.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/logger.js';
import { pgAmlAlertQueries, type AmlAlertView } from '../../src/persistence/aml-alert-queries.js';
import { AmlAlertRelay } from '../../src/persistence/aml-alert-relay.js';
import { pgAmlAlertStore } from '../../src/persistence/aml-alert-store.js';
import { PgListenLoop, type PgListenOptions } from '../../src/persistence/pg-listen.js';
import { type CuttableRelay, SERVER_URL, serverRelay, urlThrough } from './pg-fixture.js';
import { openTestDb, type TestDb, waitFor } from './queue-harness.js';

const name = (stem: string): string => `${stem}_${randomBytes(5).toString('hex')}`;

let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
});
afterAll(() => admin?.end());

/** Kills the backend of the connection named `app` and waits until it is gone, so a NOTIFY now reaches nobody. */
async function killBackend(app: string): Promise<void> {
  const r = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app]);
  expect(r.rows).toHaveLength(1);
  await admin.query('SELECT pg_terminate_backend($1)', [r.rows[0]!.pid]);
  await waitFor('the killed backend to exit', async () =>
    (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [r.rows[0]!.pid])).rowCount === 0);
}

const backends = async (app: string): Promise<number> =>
  (await admin.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [app])).rowCount ?? 0;

/** A channel, a table of what was sent on it, and a loop whose catch-up reads that table. */
function harness(over: Partial<PgListenOptions> = {}) {
  const app = name('pglisten');
  const channel = name('ch');
  const table = name('sent');
  const heard: string[] = [];
  const caughtUp: string[] = [];
  const logs: { level: LogLevel; msg: string }[] = [];
  let listenings = 0;
  const loop = new PgListenLoop({
    connection: { connectionString: SERVER_URL, application_name: app },
    channel,
    onNotification: (payload) => heard.push(payload),
    // Counted once the catch-up has read: a test waiting for the count then sees what it caught up.
    onListening: async () => {
      const r = await admin.query<{ v: string }>(`SELECT v FROM ${table} ORDER BY v`);
      for (const { v } of r.rows) if (!heard.includes(v) && !caughtUp.includes(v)) caughtUp.push(v);
      listenings++;
    },
    log: (level, msg) => void logs.push({ level, msg }),
    logLabel: 'test listener',
    reconnectMs: 100,
    ...over,
  });
  return {
    app, channel, heard, caughtUp, logs, loop,
    listenings: () => listenings,
    create: () => admin.query(`CREATE TABLE ${table} (v text)`),
    drop: () => admin.query(`DROP TABLE IF EXISTS ${table}`),
    /** Stores v and announces it, as the stores do (the row first, so a catch-up can find it). */
    send: async (v: string) => {
      await admin.query(`INSERT INTO ${table} VALUES ($1)`, [v]);
      await admin.query('SELECT pg_notify($1, $2)', [channel, v]);
    },
  };
}

describe('the LISTEN loop', () => {
  it('listens again after its backend is killed, catching up on a notice sent meanwhile and hearing the next one', async () => {
    // A second between attempts: the notice below is surely sent while the loop is away.
    const h = harness({ reconnectMs: 1000 });
    await h.create();
    try {
      await h.loop.start();
      await h.send('before');
      await waitFor('the first notice', () => h.heard.includes('before'));

      await killBackend(h.app);
      await h.send('while-away');
      await waitFor('the loop to listen again', () => h.listenings() === 2);
      expect(h.caughtUp).toEqual(['while-away']);

      await h.send('after');
      await waitFor('the notice after reconnecting', () => h.heard.includes('after'));
      expect(h.heard).toEqual(['before', 'after']);
      expect(h.logs).toContainEqual({ level: 'warn', msg: 'test listener failed; listening again' });
      expect(await backends(h.app)).toBe(1);
    } finally {
      await h.loop.close();
      await h.drop();
    }
  });

  it('waits in the background for a database that is not there at start, and start() alone rejects', async () => {
    const relay: CuttableRelay = serverRelay();
    await relay.start();
    await relay.cut();
    const app = name('pglisten');
    const logs: string[] = [];
    let listenings = 0;
    const opts: PgListenOptions = {
      connection: { connectionString: urlThrough(relay), application_name: app },
      channel: name('ch'),
      onNotification: () => {},
      onListening: async () => void listenings++,
      log: (_level, msg) => void logs.push(msg),
      logLabel: 'test listener',
      reconnectMs: 100,
    };
    const once = new PgListenLoop(opts);
    await expect(once.start()).rejects.toThrow();
    const loop = new PgListenLoop(opts);
    try {
      await loop.startOrRetry(); // never rejects
      expect(logs).toEqual(['test listener cannot listen yet; retrying']);
      await waitFor('a failed reconnect', () => logs.includes('test listener cannot reconnect yet'));
      await relay.restore();
      await waitFor('the loop to listen', () => listenings === 1);
      // The loop that only tried once did not retry.
      await new Promise((r) => setTimeout(r, 300));
      expect(listenings).toBe(1);
      expect(await backends(app)).toBe(1);
    } finally {
      await loop.close();
      await once.close();
      await relay.restore().catch(() => {});
      await relay.cut();
    }
  });

  it('drops the connection of a failed catch-up and listens again on a new one', async () => {
    let failures = 1;
    const h = harness({
      onListening: async () => {
        if (failures-- > 0) throw new Error('catch-up failed');
      },
    });
    try {
      await h.loop.startOrRetry();
      expect(h.logs).toEqual([{ level: 'warn', msg: 'test listener cannot listen yet; retrying' }]);
      await waitFor('the second connection to listen', async () => failures < 0 && (await backends(h.app)) === 1);
      const before = h.heard.length;
      await admin.query('SELECT pg_notify($1, $2)', [h.channel, 'x']);
      await waitFor('a notice on the new connection', () => h.heard.length === before + 1);
    } finally {
      await h.loop.close();
    }
  });

  it('after close, ends its connection and stops retrying', async () => {
    const h = harness();
    await h.create();
    await h.loop.start();
    await killBackend(h.app);
    await h.loop.close(); // the retry timer is pending now
    await h.loop.close(); // safe twice
    await new Promise((r) => setTimeout(r, 400));
    expect(h.listenings()).toBe(1);
    expect(await backends(h.app)).toBe(0);
    await h.drop();
  });
});

describe('the AML alert relay', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('server');
  }, 60_000);
  afterAll(() => t?.close());

  it('hands on, once each, an alert stored while its listening backend was killed and one stored after it listened again', async () => {
    const app = name('amlrelay');
    const relay = new AmlAlertRelay({
      db: { connection: { ...t.db.connection, application_name: app }, schema: t.db.schema },
      queries: pgAmlAlertQueries(t.db.pool),
      reconnectMs: 100,
    });
    const got: AmlAlertView[] = [];
    relay.onAlert((a) => got.push(a));
    const store = pgAmlAlertStore(t.db.pool);
    const raise = (fillId: string) => store.screened([{
      fillId,
      alert: { fillId, portfolioId: 'P-1', customerId: 'cust-1', rule: 'VELOCITY', severity: 'low', notional: 1, details: {} },
    }], Date.now());
    try {
      await relay.start();
      await raise('f-live');
      await waitFor('the live alert', () => got.length === 1);

      await killBackend(app);
      await raise('f-away');
      await waitFor('the alert stored while away', () => got.length === 2);
      await raise('f-back');
      await waitFor('the alert stored after listening again', () => got.length === 3);
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((a) => a.fillId)).toEqual(['f-live', 'f-away', 'f-back']);
    } finally {
      await relay.close();
    }
  });

  it('hands on an alert whose transaction committed late, while it was away, under an id below one it had handed on', async () => {
    const app = name('amlrelay');
    // A second between attempts: the late commit below surely lands while the relay is away.
    const relay = new AmlAlertRelay({
      db: { connection: { ...t.db.connection, application_name: app }, schema: t.db.schema },
      queries: pgAmlAlertQueries(t.db.pool),
      reconnectMs: 1000,
    });
    const got: AmlAlertView[] = [];
    relay.onAlert((a) => got.push(a));
    const alert = (fillId: string) => [{ fillId, alert: { fillId, portfolioId: 'P-2', customerId: 'cust-2', rule: 'VELOCITY', severity: 'low' as const, notional: 1, details: {} } }];
    const late = new pg.Client(t.db.connection);
    await late.connect();
    try {
      await relay.start();
      await late.query('BEGIN');
      await pgAmlAlertStore(late as unknown as pg.Pool).screened(alert('f-late'), Date.now()); // its id taken, not committed
      await pgAmlAlertStore(t.db.pool).screened(alert('f-next'), Date.now());
      await waitFor('the alert committed first', () => got.some((a) => a.fillId === 'f-next'));

      await killBackend(app);
      await late.query('COMMIT'); // its notice reaches nobody
      await waitFor('the late alert, caught up', () => got.some((a) => a.fillId === 'f-late'));
      const ids = got.map((a) => BigInt(a.alertId));
      expect(ids[got.findIndex((a) => a.fillId === 'f-late')]! < ids[got.findIndex((a) => a.fillId === 'f-next')]!).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((a) => a.fillId)).toEqual(['f-next', 'f-late']);
    } finally {
      await late.end();
      await relay.close();
    }
  });
});
