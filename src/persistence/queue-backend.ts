/**
 * The connection strategy of the queues, per datastore. Whatever the backend, it comes out as one
 * BullMQ BackendFactory, so queues.ts builds the same Queue and Worker classes on either.
 *
 * Redis: two shared ioredis clients. Producers (the three Queue instances) share one with
 * ioredis's bounded retries, so an add during a Redis outage fails after a while instead of
 * hanging the caller forever. Workers share another for their ordinary commands; BullMQ
 * duplicates it once per worker for the blocking fetch, and requires maxRetriesPerRequest: null on
 * it (a blocking command must never be cut short by the retry budget).
 *
 * PostgreSQL: one BullMQ PostgresConnection (a pg pool plus one LISTEN client) shared by every
 * queue and worker, in the app's own schema. Sharing matters on the embedded database: pglite-socket
 * accepts 8 connections, the app's pool takes 4, and a connection per queue and per worker (BullMQ's
 * default) would need 9 more.
 */
import { EventEmitter } from 'node:events';
import {
  createRedisBackend,
  PostgresConnection,
  PostgresQueueBackend,
  type BackendFactory,
  type IQueueBackend,
  type PgNotification,
  type PgQueryResult,
} from 'bullmq';
import { Redis } from 'ioredis';
import type { LogFn } from '../logger.js';
import { redactUrl, type Database } from './database.js';

export type QueueBackendKind = 'redis' | 'postgres';

/**
 * What the queue classes are given as `connection`: an empty object (BullMQ requires a truthy
 * one), since the factory holds the shared clients.
 */
export type SharedConnection = Readonly<Record<string, never>>;
export const SHARED_CONNECTION: SharedConnection = Object.freeze({});

export interface QueueBackend {
  readonly kind: QueueBackendKind;
  readonly factory: BackendFactory<IQueueBackend, SharedConnection>;
  /** Called before the first worker is created and before workers close (wake-up plumbing). */
  workersStarting(): void;
  workersStopping(): void;
  /** Ends the shared clients; every queue and worker built on them must be closed first. */
  close(): Promise<void>;
}

/** BullMQ's pool per engine on the embedded database: 4 (app) + 2 + 1 LISTEN client stays under pglite-socket's 8. */
const EMBEDDED_QUEUE_POOL = 2;

export function redisQueueBackend(url: string, name: string, log?: LogFn): QueueBackend {
  const where = redactUrl(url);
  const producers = new Redis(url, { connectionName: `${name}:producers` });
  const workers = new Redis(url, { connectionName: `${name}:workers`, maxRetriesPerRequest: null });
  for (const [role, client] of [['producers', producers], ['workers', workers]] as const) {
    // ioredis reconnects by itself; without a listener it would print every failed attempt.
    client.on('error', (err: Error) => log?.('warn', 'Redis connection error (reconnecting)', { url: where, connection: role, error: err.message }));
  }
  return {
    kind: 'redis',
    factory: (queueName, opts, f) => createRedisBackend(queueName, { ...opts, connection: f?.withBlockingConnection || f?.blocking ? workers : producers }, f),
    workersStarting: () => {},
    workersStopping: () => {},
    async close() {
      await Promise.all([producers.quit().catch(() => producers.disconnect()), workers.quit().catch(() => workers.disconnect())]);
    },
  };
}

export function postgresQueueBackend(db: Database, log?: LogFn): QueueBackend {
  const max = db.kind === 'embedded' ? EMBEDDED_QUEUE_POOL : (db.connection.max ?? 10);
  // schema: BullMQ pins its connections' search_path and runs its migrations there. On the
  // embedded database the startup option is ignored, but the PGlite instance's own search_path is
  // already this schema (database.ts), which is why both must be the same.
  const { password, ...settings } = db.connection;
  if (typeof password === 'function') throw new TypeError('the queue backend needs a plain password in Database.connection');
  const connection = new SharedListenConnection({ ...settings, ...(password !== undefined ? { password } : {}), max, schema: db.schema, migrate: true });
  connection.on('error', (err: Error) => log?.('warn', 'queue database connection error', { error: err.message }));
  let relaying = false;
  const blocking = new Set<PostgresQueueBackend>();
  // A backend that does not own its connection ignores the connection's 'listenerinvalidated' (the
  // LISTEN client dropped and will be rebuilt): re-arm the workers' waits here, or they would keep
  // waiting on the dead client and only see new jobs at their drainDelay. Both calls are
  // synchronous inside, so the wait is cancelled and the next one LISTENs on the fresh client.
  connection.on('listenerinvalidated', () => {
    if (!relaying) return;
    for (const b of blocking) {
      void b.disconnectBlocking();
      void b.reconnectBlocking();
    }
  });
  if (db.kind === 'embedded') {
    // PGlite is one backend for all socket connections, so a NOTIFY comes back on the connection
    // that committed it (the producer's), never on BullMQ's LISTEN client: an idle worker would
    // only see new jobs at its drainDelay. Hand each notification to the LISTEN client, where the
    // worker's waitForJob listens; a duplicate wake-up is harmless (it just checks for a job).
    connection.pool.on('connect', (client) => {
      client.on('notification', (msg: PgNotification) => {
        if (!relaying) return;
        connection.getListenClient().then(
          (listener) => listener.emit('notification', msg),
          () => {},
        );
      });
    });
  }
  return {
    kind: 'postgres',
    // ownsConnection false: the backend leaves the shared connection open when its queue or
    // worker closes; close() below ends it once, after all of them.
    // No LISTEN client name either: the one shared client cannot carry each worker's, so
    // Queue.getWorkers() does not list them on this backend.
    factory: (queueName, opts, f) => {
      const backend = new PostgresQueueBackend(connection, queueName, { ...opts, connection: {} }, false);
      if (f?.withBlockingConnection) blocking.add(backend);
      return backend;
    },
    workersStarting: () => {
      relaying = true;
    },
    workersStopping: () => {
      relaying = false;
    },
    close: () => connection.close(),
  };
}

/**
 * A PostgresConnection whose one LISTEN client several worker backends share. Each backend LISTENs
 * on it when its worker first waits, and the three workers start together: pg 8 queues such
 * overlapping queries but warns that pg 9 will refuse them. Handing out a view of the client whose
 * query() runs one at a time keeps that safe; everything else (events, release) is the client's.
 */
type PgListenClient = Awaited<ReturnType<PostgresConnection['getListenClient']>>;

class SharedListenConnection extends PostgresConnection {
  private readonly views = new WeakMap<PgListenClient, PgListenClient & EventEmitter>();

  override async getListenClient(): Promise<PgListenClient & EventEmitter> {
    const client = await super.getListenClient();
    let view = this.views.get(client);
    if (view === undefined) {
      if (!(client instanceof EventEmitter)) throw new TypeError('BullMQ LISTEN client is not a pg Client');
      let tail: Promise<unknown> = Promise.resolve();
      const query = (text: string, params?: readonly unknown[]): Promise<PgQueryResult> => {
        const run = tail.then(() => client.query(text, params));
        tail = run.catch(() => {});
        return run;
      };
      view = new Proxy(client, {
        get: (target, prop) => {
          if (prop === 'query') return query;
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      this.views.set(client, view);
    }
    return view;
  }
}

