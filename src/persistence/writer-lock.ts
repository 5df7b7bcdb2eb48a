/**
 * One engine writes a schema. Two engines on the same schema would each continue the journal's
 * sequence and the audit chain from where they read it: their commits would collide on the journal
 * key (acks held forever) and the chain would fork. So an engine holds a session-level advisory
 * lock, keyed by the schema name, on a connection of its own for as long as it runs, and a second
 * one is refused at start with the holder named.
 *
 * The lock lives and dies with that connection. When it drops (a server restart, a network cut)
 * the engine takes the lock again as soon as it can reconnect; if another engine took it
 * meanwhile, `onLost` is called and the engine must stop, because two writers are then running.
 *
 * Server PostgreSQL only: on the embedded database every connection is the same PGlite session (an
 * advisory lock would be granted to all of them), and DATA_DIR/pg.lock already keeps it to one
 * process.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import type { LogFn } from '../logger.js';
import { DatabaseError } from './database.js';

/** First key of the two-key advisory lock: "RENG". The second is hashtext(schema). */
const LOCK_CLASS = 0x52454e47;

export interface WriterLock {
  /** `reconnecting`: the connection dropped and the lock is being taken again. */
  state(): 'held' | 'reconnecting' | 'released';
  release(): Promise<void>;
}

export const WRITER_LOCK_DEFAULTS = Object.freeze({ retryMs: 1000 });

export interface WriterLockOptions {
  /**
   * Take the lock shared (engines of a scale-out deployment, docs/SCALE-OUT.md): any number of
   * engines hold it together, and each partition's ownership keeps them apart; an exclusive holder
   * (a restore) refuses them and they refuse it.
   */
  readonly shared?: boolean;
  readonly log?: LogFn;
  /** Another engine holds the lock after a reconnect: this one must stop writing. */
  readonly onLost: (err: DatabaseError) => void;
  /** Pause between attempts to take the lock again (default 1 s). */
  readonly retryMs?: number;
}

interface Holder {
  pid: number;
  application_name: string;
  client_addr: string | null;
  backend_start: Date;
}

const whoAmI = (): string => `risk-engine pid=${process.pid} host=${hostname()}`.slice(0, 63);

async function tryLock(connection: pg.ClientConfig, schema: string, shared: boolean): Promise<{ client: pg.Client } | { holder: Holder | undefined }> {
  const client = new pg.Client({ ...connection, application_name: whoAmI() });
  client.on('error', () => {}); // replaced below once the lock is held; until then errors reject the queries
  await client.connect();
  try {
    const take = shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
    const got = (await client.query<{ ok: boolean }>(`SELECT ${take}($1, hashtext($2)) AS ok`, [LOCK_CLASS, schema])).rows[0]?.ok;
    if (got) return { client };
    // A shared taker is refused only by an exclusive holder: name that one.
    const holder = (await client.query<Holder>(
      `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND l.objid = hashtext($2)::oid AND l.objsubid = 2
          AND ($3::boolean IS FALSE OR l.mode = 'ExclusiveLock')`,
      [LOCK_CLASS, schema, shared],
    )).rows[0];
    await client.end();
    return { holder };
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

function inUse(schema: string, holder: Holder | undefined): DatabaseError {
  const who = holder
    ? `${holder.application_name || 'an unnamed client'} (server pid ${holder.pid}${holder.client_addr ? ` from ${holder.client_addr}` : ''}, connected ${holder.backend_start.toISOString()})`
    : 'another session';
  return new DatabaseError('DB_IN_USE', `schema ${schema} is already written by ${who}: one engine per schema (DATABASE_SCHEMA)`);
}

/**
 * Whether the holder is an engine of this host whose process is gone: a killed engine's session
 * lingers until the server notices the closed socket, which a restart at once can beat.
 */
function isDeadLocalEngine(holder: Holder): boolean {
  const m = /^risk-engine pid=(\d+) host=(.*)$/.exec(holder.application_name);
  if (!m || m[2] !== whoAmI().replace(/^risk-engine pid=\d+ host=/, '') || Number(m[1]) === process.pid) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Ends a dead engine's lingering session (the lock goes with it). */
async function terminate(connection: pg.ClientConfig, pid: number): Promise<void> {
  const c = new pg.Client(connection);
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Takes the schema's writer lock or throws DB_IN_USE naming the engine that holds it. A lock
 * left by an engine of this host whose process is gone is taken over; one held from another host
 * is refused, because its liveness cannot be told from here (end that session with
 * pg_terminate_backend if its engine is known to be gone).
 */
export async function acquireWriterLock(connection: pg.ClientConfig, schema: string, opts: WriterLockOptions): Promise<WriterLock> {
  const retryMs = opts.retryMs ?? WRITER_LOCK_DEFAULTS.retryMs;
  let state: 'held' | 'reconnecting' | 'released' = 'held';
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const shared = opts.shared === true;
  let first = await tryLock(connection, schema, shared);
  if (!('client' in first) && first.holder && isDeadLocalEngine(first.holder)) {
    opts.log?.('warn', 'schema writer lock held by a session of an engine that is gone; ending that session', { schema, holder: first.holder.application_name, serverPid: first.holder.pid });
    await terminate(connection, first.holder.pid);
    // The server releases the lock once the terminated backend has exited.
    for (let i = 0; i < 50 && !('client' in first); i++) {
      await new Promise((r) => setTimeout(r, 20));
      first = await tryLock(connection, schema, shared);
    }
  }
  if (!('client' in first)) throw inUse(schema, first.holder);
  adopt(first.client);

  function adopt(c: pg.Client): void {
    client = c;
    state = 'held';
    const dropped = (err?: Error): void => {
      if (client !== c || state === 'released') return;
      client = undefined;
      state = 'reconnecting';
      c.end().catch(() => {});
      opts.log?.('warn', 'lost the connection holding the schema writer lock; taking it again', { schema, error: err?.message ?? 'connection ended' });
      retry();
    };
    c.removeAllListeners('error');
    c.on('error', dropped);
    c.on('end', () => dropped());
  }

  function retry(): void {
    timer = setTimeout(() => {
      timer = undefined;
      if (state !== 'reconnecting') return;
      tryLock(connection, schema, shared).then(
        (r) => {
          if (state !== 'reconnecting') {
            if ('client' in r) void r.client.end().catch(() => {});
            return;
          }
          if ('client' in r) {
            adopt(r.client);
            opts.log?.('info', 'schema writer lock taken again', { schema });
          } else {
            state = 'released';
            const err = inUse(schema, r.holder);
            opts.log?.('error', 'another engine took the schema writer lock while this one was disconnected; stopping', { schema, error: err.message });
            opts.onLost(err);
          }
        },
        () => retry(), // still unreachable
      );
    }, retryMs);
    timer.unref();
  }

  return {
    state: () => state,
    async release() {
      state = 'released';
      clearTimeout(timer);
      const c = client;
      client = undefined;
      // Ending the session releases its advisory locks.
      await c?.end().catch(() => {});
    },
  };
}
