/**
 * The schema's writer lock on this machine's PostgreSQL: an exclusive holder (a restore, or an
 * engine that is the only writer) refuses a second with the holder named; the lock is taken again
 * after its connection drops; a holder that finds it taken by another after such a drop is told to
 * stop. Engines of a scale-out deployment hold it shared (docs/SCALE-OUT.md): they run together, and
 * a restore is refused while any runs.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/persistence/database.js';
import { acquireWriterLock, type WriterLock } from '../../src/persistence/writer-lock.js';
import { newTarget, SERVER_URL, type DbTarget } from './pg-fixture.js';
import { waitFor } from './queue-harness.js';
import { health as getHealth, killServes, startServe, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
const connection = { connectionString: SERVER_URL };
let t: DbTarget;
const held: WriterLock[] = [];
beforeAll(() => {
  t = newTarget('external');
});
afterAll(async () => {
  killServes();
  for (const l of held) await l.release();
  await t.cleanup();
});

async function lock(onLost: (err: DatabaseError) => void = () => {}): Promise<WriterLock> {
  const l = await acquireWriterLock(connection, t.schema, { onLost, retryMs: 200 });
  held.push(l);
  return l;
}

/** Ends the server session that holds the schema's lock, as a server restart or network cut would. */
async function terminateHolder(): Promise<void> {
  const c = new pg.Client(connection);
  await c.connect();
  const r = await c.query(
    `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND l.objid = hashtext($2)::oid AND l.objsubid = 2`,
    [0x52454e47, t.schema],
  );
  await c.end();
  expect(r.rowCount).toBe(1);
}

describe('schema writer lock', () => {
  it('refuses a second engine on the same schema, naming the one that holds it, until it lets go', async () => {
    const first = await lock();
    const second = acquireWriterLock(connection, t.schema, { onLost: () => {} });
    await expect(second).rejects.toBeInstanceOf(DatabaseError);
    await expect(second).rejects.toMatchObject({ code: 'DB_IN_USE', message: expect.stringContaining(`risk-engine pid=${process.pid}`) });
    // Another schema is another engine's business.
    const other = await acquireWriterLock(connection, `${t.schema}_other`, { onLost: () => {} });
    await other.release();
    await first.release();
    expect(first.state()).toBe('released');
    const again = await lock();
    expect(again.state()).toBe('held');
    await again.release();
  });

  it('takes the lock again when its connection drops', async () => {
    const l = await lock(() => { throw new Error('not lost: nobody else wanted it'); });
    await terminateHolder();
    await waitFor('the drop noticed', () => l.state() === 'reconnecting', 5000);
    await waitFor('the lock taken again', () => l.state() === 'held', 5000);
    await expect(acquireWriterLock(connection, t.schema, { onLost: () => {} })).rejects.toMatchObject({ code: 'DB_IN_USE' });
    await l.release();
  });

  it('tells the engine to stop when another took the lock while it was disconnected', async () => {
    let lost: DatabaseError | undefined;
    const l = await lock((err) => { lost = err; });
    await terminateHolder();
    const rival = await lock(); // within the 200 ms before the first one retries
    await waitFor('the loss reported', () => lost !== undefined, 5000);
    expect(lost).toMatchObject({ code: 'DB_IN_USE' });
    expect(l.state()).toBe('released');
    expect(rival.state()).toBe('held');
    await rival.release();
  });

  it('takes over a lock whose engine on this host is gone, and refuses one whose engine lives', async () => {
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    const alive = spawn('sleep', ['30']);
    try {
      for (const [pid, expected] of [[alive.pid!, 'refused'], [gone.pid!, 'taken over']] as const) {
        // A lingering session, as the server keeps one for a moment after its client was killed.
        const lingering = new pg.Client({ ...connection, application_name: `risk-engine pid=${pid} host=${hostname()}` });
        lingering.on('error', () => {});
        await lingering.connect();
        await lingering.query('SELECT pg_advisory_lock($1, hashtext($2))', [0x52454e47, t.schema]);
        const attempt = acquireWriterLock(connection, t.schema, { onLost: () => {} });
        if (expected === 'refused') {
          await expect(attempt).rejects.toMatchObject({ code: 'DB_IN_USE', message: expect.stringContaining(`risk-engine pid=${pid}`) });
          await lingering.end();
        } else {
          const l = await attempt;
          expect(l.state()).toBe('held');
          await expect(lingering.query('SELECT 1')).rejects.toThrow(); // its session was ended
          await l.release();
        }
      }
    } finally {
      alive.kill();
    }
  });

  it('is shared by engines of a scale-out deployment and refuses an exclusive holder while they run, and them while it holds', async () => {
    const a = await acquireWriterLock(connection, t.schema, { onLost: () => {}, shared: true });
    const b = await acquireWriterLock(connection, t.schema, { onLost: () => {}, shared: true });
    held.push(a, b);
    expect([a.state(), b.state()]).toEqual(['held', 'held']);
    // A restore takes it exclusive: refused while engines hold it shared.
    await expect(lock()).rejects.toMatchObject({ code: 'DB_IN_USE' });
    await a.release();
    await b.release();
    const restore = await lock();
    const refused = acquireWriterLock(connection, t.schema, { onLost: () => {}, shared: true });
    await expect(refused).rejects.toMatchObject({ code: 'DB_IN_USE' });
    await expect(refused).rejects.toThrow(new RegExp(`risk-engine pid=${process.pid}`));
    await restore.release();
  });

  it('lets a second serve on the same schema join the first (scale-out) instead of refusing it', { timeout: 60_000 }, async () => {
    const env = { SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: SERVER_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: undefined, CLUSTER_SECRET: 'writer-lock-test-secret-0123' };
    const first = await startServe({ ...env, ENGINE_ID: 'first' });
    expect(((await getHealth(first.port, KEYS)) as { writerLock?: string }).writerLock).toBe('held');
    const second = await startServe({ ...env, ENGINE_ID: 'second' });
    expect(((await getHealth(second.port, KEYS)) as { writerLock?: string }).writerLock).toBe('held');
    first.proc.kill('SIGTERM');
    second.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
  });
});
