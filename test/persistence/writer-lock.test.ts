/**
 * One engine per schema, on this machine's PostgreSQL: a second engine is refused with the holder
 * named; the lock is taken again after its connection drops; an engine that finds the lock taken by
 * another after such a drop is told to stop; and `serve` turns the refusal into a clear exit.
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

  it('makes a second serve on the same schema exit with the reason', { timeout: 60_000 }, async () => {
    const env = { SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: SERVER_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: undefined };
    const first = await startServe(env);
    const health = (await getHealth(first.port, KEYS)) as { writerLock?: string };
    expect(health.writerLock).toBe('held');
    const second = startServe(env);
    await expect(second).rejects.toThrow(/serve exited with 1 before listening/);
    await expect(second).rejects.toThrow(new RegExp(`DB_IN_USE: schema ${t.schema} is already written by risk-engine pid=${first.proc.pid}`));
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
